/*
 * View_stack: all views on the screen, front to back, and how they compose
 *
 * The stack is ordered by domain layer first (layer 0 in front), then by a
 * domain's background views behind its others, then by what clients asked
 * for. Every change that alters the picture adds the affected screen area
 * to the dirty region; 'draw' repaints one such area back to front, clipped
 * to it, so a change costs in proportion to what it changed.
 */
#pragma once

#include <vector>

#include "canvas.h"
#include "dirty_region.h"
#include "view.h"

namespace Gui_server {

	struct Draw_context;
	class  View_stack;
}


/* What drawing needs to know beyond the views */
struct Gui_server::Draw_context
{
	View_owner const *focused    = nullptr;
	Color             background { 0x20, 0x20, 0x20 };
};


class Gui_server::View_stack
{
	public:

		/* Frames around labeled views, in pixels outside the view */
		enum : int32_t { FRAME = 3, FRAME_FOCUSED = 5 };

		/* The label bar: the label font plus a margin of 2 */
		enum : uint32_t { LABEL_HEIGHT = 7 + 4 };

	private:

		std::vector<View *> _views { };   /* front to back */

		Area  _screen  { 0, 0 };
		Point _pointer { 0, 0 };

		Dirty_region _dirty { };

		/* the stacking key: smaller is further in front */
		static uint64_t _key(View const &);

		size_t _index(View const &) const;
		void   _insert_by_key(View &, bool in_front);
		bool   _ordered() const;
		void   _sort();

		void _draw_view(Canvas &, View const &, Rect, Draw_context const &) const;
		void _draw_label(Canvas &, View const &, Rect clip, Draw_context const &) const;

	public:

		/* Where the view is on the screen, before clipping */
		Rect abs_geometry(View const &) const;

		/* Its visible part ignoring occlusion: clipped to its ancestors and the screen */
		Rect clip(View const &) const;

		/* All it can paint: the clip plus its frame */
		Rect outline(View const &) const;

		bool stacked(View const &) const;

		/* Put a new view in front of its layer */
		void insert(View &);

		/* Take a view out (its area is damaged) */
		void remove(View &);

		/*
		 * Restack a view: in front of or behind 'neighbor', or of its
		 * whole layer if 'neighbor' is null
		 */
		void stack(View &, View const *neighbor, bool in_front);

		/* Re-establish the layer order after domains changed */
		void restack_all();

		void damage(Rect r) { _dirty.add(intersect(r, { { 0, 0 }, _screen })); }
		void damage_view(View const &v) { if (stacked(v)) damage(outline(v)); }
		void damage_all() { damage({ { 0, 0 }, _screen }); }

		Dirty_region &dirty() { return _dirty; }

		Area  screen()  const { return _screen; }
		Point pointer() const { return _pointer; }

		/* A new screen size: everything is redrawn */
		void screen(Area);

		/* The pointer moved: views positioned relative to it move along */
		void pointer(Point);

		/* The front-most view at 'p' that takes input there, or nullptr */
		View *view_at(Point p) const;

		/* Repaint 'area' of the screen */
		void draw(Canvas &, Rect area, Draw_context const &) const;
};
