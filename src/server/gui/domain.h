/*
 * Domains: groups of clients that share one policy
 *
 * A client's <policy> names its domain; the <domain> node says where the
 * domain's views go in the stack (layer, 0 is front-most), where its
 * coordinate origin lies, how it gets the focus, and whether its views are
 * tinted and labeled so that the user can tell who draws what.
 */
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include "types.h"

namespace Gui_server {

	struct Domain;
	class  Domain_registry;
}


struct Gui_server::Domain
{
	enum class Origin  { TOP_LEFT, TOP_RIGHT, BOTTOM_LEFT, BOTTOM_RIGHT, POINTER };
	enum class Focus   { NONE, CLICK, TRANSIENT };
	enum class Content { CLIENT, TINTED };
	enum class Hover   { FOCUSED, ALWAYS };

	std::string name    { };
	unsigned    layer   = 0;
	Origin      origin  = Origin::TOP_LEFT;
	Point       shift   { 0, 0 };   /* xpos, ypos */
	int32_t     width   = 0;        /* > 0: as is, <= 0: screen minus that much */
	int32_t     height  = 0;
	Focus       focus   = Focus::NONE;
	Content     content = Content::CLIENT;
	Hover       hover   = Hover::FOCUSED;
	bool        label   = false;
	Color       color   { 0xff, 0xff, 0xff };

	bool origin_pointer() const { return origin == Origin::POINTER; }
	bool tinted()         const { return content == Content::TINTED; }

	/* Where (0,0) of the domain's coordinates is on the screen */
	Point origin_on(Area screen, Point pointer) const
	{
		Point base { 0, 0 };
		switch (origin) {
		case Origin::TOP_LEFT:     base = { 0, 0 };                                  break;
		case Origin::TOP_RIGHT:    base = { int32_t(screen.w), 0 };                  break;
		case Origin::BOTTOM_LEFT:  base = { 0, int32_t(screen.h) };                  break;
		case Origin::BOTTOM_RIGHT: base = { int32_t(screen.w), int32_t(screen.h) };  break;
		case Origin::POINTER:      base = pointer;                                   break;
		}
		return base + shift;
	}

	/* The screen size the domain's clients are told */
	Area screen_area(Area screen) const
	{
		auto side = [] (int32_t configured, uint32_t physical) {
			if (configured > 0) return uint32_t(configured);
			int64_t const v = int64_t(physical) + configured;
			return v > 0 ? uint32_t(v) : 0u;
		};
		return { side(width, screen.w), side(height, screen.h) };
	}

	/* The domain a <domain> node describes; unknown values fall back to the defaults */
	static Domain from_xml(pugi::xml_node);
};


class Gui_server::Domain_registry
{
	private:

		/* by pointer: sessions refer to their domain while the registry lives */
		std::vector<std::unique_ptr<Domain const>> _domains { };

	public:

		Domain_registry() { }
		explicit Domain_registry(pugi::xml_node config);

		/* The domain of that name, or nullptr */
		Domain const *lookup(std::string_view name) const;

		size_t size() const { return _domains.size(); }
};
