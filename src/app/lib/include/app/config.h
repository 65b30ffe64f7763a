/*
 * Config attributes the apps share: colors and the window's placement
 */
#pragma once

#include <pugixml.hpp>

#include <nestbox/log.h>

#include <app/color.h>
#include <app/window.h>

namespace App {

	/* A "#rrggbb" attribute; a malformed one is reported and replaced by 'fallback' */
	inline Color color_attribute(pugi::xml_node node, char const *name, Color fallback)
	{
		std::string_view const value = node.attribute(name).value();
		if (value.empty()) return fallback;
		if (auto c = Color::parse(value)) return *c;
		nestbox::warning("ignoring ", name, "=\"", value, "\": not a color of the form #rrggbb");
		return fallback;
	}

	/* x, y, width, height; a missing width or height follows the screen */
	inline Placement placement_attributes(pugi::xml_node node)
	{
		return { .x = node.attribute("x").as_int(0),        .y = node.attribute("y").as_int(0),
		         .w = node.attribute("width").as_uint(0),   .h = node.attribute("height").as_uint(0) };
	}
}
