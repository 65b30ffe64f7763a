/*
 * View: a rectangle on the screen that shows a part of its owner's buffer
 *
 * The view holds what its client said; where it ends up on the screen
 * (domain origin, parent, pointer) is the view stack's business.
 */
#pragma once

#include <string>

#include "view_owner.h"

namespace Gui_server { class View; }


class Gui_server::View
{
	private:

		View_owner &_owner;
		View       *_parent;      /* a view of the same owner, or nullptr */

		Rect        _geometry   { { 0, 0 }, { 0, 0 } };   /* relative to the parent or the domain origin */
		Point       _offset     { 0, 0 };                 /* buffer position shown at the top left */
		std::string _title      { };
		bool        _background = false;

	public:

		View(View_owner &owner, View *parent) : _owner(owner), _parent(parent) { }

		View(View const &) = delete;

		View_owner       &owner()        { return _owner; }
		View_owner const &owner()  const { return _owner; }
		View       const *parent() const { return _parent; }

		Rect  geometry()   const { return _geometry; }
		Point offset()     const { return _offset; }
		bool  background() const { return _background; }
		bool  top_level()  const { return _parent == nullptr; }

		std::string const &title() const { return _title; }

		void geometry(Rect r)               { _geometry = sanitized(r); }
		void offset(Point p)                { _offset = sanitized(p); }
		void background(bool b)             { _background = b; }
		void title(std::string_view t)      { _title = t; }

		Domain const *domain() const { return _owner.domain(); }
};
