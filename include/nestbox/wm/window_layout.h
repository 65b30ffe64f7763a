/*
 * The window layout shared by wm and decorator
 *
 * wm decides where each window is and reports it as "window_layout"; the
 * decorator draws a frame and title bar around each window of that report.
 * Both must agree on where the decoration's parts are, since wm hit-tests
 * the clicks the decorator's views receive: the margins and the closer's
 * place are fixed here, once (Genode's decorator reports them as
 * "decorator_margins"; ours are constants of the protocol).
 *
 *   <window_layout>
 *     <window id="1" title="paint" xpos="20" ypos="40" width="480" height="320" focused="yes"/>
 *     …
 *   </window_layout>
 *
 * Windows are listed front-most first; the geometry is the content's (the
 * application's view), the decoration lies around it.
 */
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include <nestbox/util/geometry.h>

namespace nestbox::Wm {

	/* decoration sizes in pixels */
	enum : int32_t { TITLE_HEIGHT = 22, BORDER = 4, CLOSER_SIZE = 14, TITLE_MAX = 63 };

	enum class Element { NONE, CONTENT, TITLE, CLOSER, LEFT, RIGHT, TOP, BOTTOM,
	                     TOP_LEFT, TOP_RIGHT, BOTTOM_LEFT, BOTTOM_RIGHT };

	struct Window_entry
	{
		unsigned    id = 0;
		std::string title { };
		Rect        content { };
		bool        focused = false;

		/* the content plus the decoration */
		Rect outer() const
		{
			return { { content.at.x - BORDER, content.at.y - BORDER - TITLE_HEIGHT },
			         { content.area.w + 2*BORDER, content.area.h + 2*BORDER + TITLE_HEIGHT } };
		}

		/* the title bar, between the top border and the content */
		Rect title_bar() const
		{
			return { { content.at.x, content.at.y - TITLE_HEIGHT }, { content.area.w, TITLE_HEIGHT } };
		}

		/* the close button, at the right end of the title bar */
		Rect closer() const
		{
			Rect const bar = title_bar();
			int32_t const pad = (TITLE_HEIGHT - CLOSER_SIZE) / 2;
			return { { bar.at.x + int32_t(bar.area.w) - CLOSER_SIZE - pad, bar.at.y + pad },
			         { CLOSER_SIZE, CLOSER_SIZE } };
		}

		/* which part of the window is at 'p' (screen coordinates) */
		Element element_at(Point p) const
		{
			if (!contains(outer(), p)) return Element::NONE;
			if (contains(content, p))  return Element::CONTENT;
			if (contains(closer(), p)) return Element::CLOSER;
			if (contains(title_bar(), p)) return Element::TITLE;

			Rect const o = outer();
			bool const left   = p.x <  o.at.x + BORDER;
			bool const right  = p.x >= o.at.x + int32_t(o.area.w) - BORDER;
			bool const top    = p.y <  o.at.y + BORDER;
			bool const bottom = p.y >= o.at.y + int32_t(o.area.h) - BORDER;

			if (top    && left)  return Element::TOP_LEFT;
			if (top    && right) return Element::TOP_RIGHT;
			if (bottom && left)  return Element::BOTTOM_LEFT;
			if (bottom && right) return Element::BOTTOM_RIGHT;
			if (left)   return Element::LEFT;
			if (right)  return Element::RIGHT;
			if (top)    return Element::TOP;
			return Element::BOTTOM;
		}

		static bool contains(Rect r, Point p)
		{
			return p.x >= r.at.x && p.y >= r.at.y
			    && p.x <  r.at.x + int32_t(r.area.w) && p.y < r.at.y + int32_t(r.area.h);
		}
	};

	using Window_layout = std::vector<Window_entry>;   /* front-most first */

	/* XML attribute text: the characters that would end or break the attribute replaced */
	inline std::string attribute_text(std::string_view s)
	{
		std::string out;
		for (char c : s.substr(0, TITLE_MAX)) {
			switch (c) {
			case '&': out += "&amp;";  break;
			case '<': out += "&lt;";   break;
			case '>': out += "&gt;";   break;
			case '"': out += "&quot;"; break;
			default:  out += (c >= 0x20 && c < 0x7f) ? c : '?';
			}
		}
		return out;
	}

	inline std::string to_xml(Window_layout const &layout)
	{
		std::string xml = "<window_layout>\n";
		for (Window_entry const &w : layout)
			xml += "\t<window id=\"" + std::to_string(w.id) + "\" title=\"" + attribute_text(w.title)
			     + "\" xpos=\"" + std::to_string(w.content.at.x) + "\" ypos=\"" + std::to_string(w.content.at.y)
			     + "\" width=\"" + std::to_string(w.content.area.w) + "\" height=\"" + std::to_string(w.content.area.h)
			     + "\"" + (w.focused ? " focused=\"yes\"" : "") + "/>\n";
		return xml + "</window_layout>\n";
	}

	/* The windows of a "window_layout" node; sizes are clamped to 'max_size' a side */
	inline Window_layout from_xml(pugi::xml_node node, uint32_t max_size = 16384)
	{
		Window_layout layout;
		for (pugi::xml_node w : node.children("window")) {
			Window_entry e;
			e.id      = w.attribute("id").as_uint(0);
			e.title   = std::string(w.attribute("title").value()).substr(0, TITLE_MAX);
			e.content = { { w.attribute("xpos").as_int(0), w.attribute("ypos").as_int(0) },
			              { std::min(w.attribute("width").as_uint(0), max_size),
			                std::min(w.attribute("height").as_uint(0), max_size) } };
			e.focused = w.attribute("focused").as_bool(false);
			if (e.id) layout.push_back(e);
		}
		return layout;
	}
}
