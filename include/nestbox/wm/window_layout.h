/*
 * The window layout shared by window_layouter, wm and decorator
 *
 * The window_layouter decides where each window is and reports it as
 * "window_layout"; wm places the windows' contents there, the decorator
 * draws a frame and title bar around each. The decorator reports the size
 * of its decoration as "decorator_margins" and the part under the pointer
 * as "hover"; the layouter hit-tests with those margins where the hover
 * report lags behind the pointer. The decorator's own sizes are the
 * constants below.
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
#include <optional>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include <nestbox/util/geometry.h>

namespace nestbox::Wm {

	/* decoration sizes in pixels */
	enum : int32_t { TITLE_HEIGHT = 22, BORDER = 4, CLOSER_SIZE = 14, TITLE_MAX = 63 };

	enum class Element { NONE, CONTENT, TITLE, CLOSER, LEFT, RIGHT, TOP, BOTTOM,
	                     TOP_LEFT, TOP_RIGHT, BOTTOM_LEFT, BOTTOM_RIGHT };

	/* How far the decoration reaches beyond the content on each side */
	struct Margins
	{
		int32_t top = TITLE_HEIGHT + BORDER, bottom = BORDER, left = BORDER, right = BORDER;

		/* the width of the frame around the title bar */
		int32_t border() const { return std::min(left, top); }
	};

	struct Window_entry
	{
		unsigned    id = 0;
		std::string title { };
		Rect        content { };
		bool        focused = false;

		/* the content plus the decoration */
		Rect outer(Margins m = { }) const
		{
			return { { content.at.x - m.left, content.at.y - m.top },
			         { content.area.w + uint32_t(m.left + m.right), content.area.h + uint32_t(m.top + m.bottom) } };
		}

		/* the title bar, between the top border and the content */
		Rect title_bar(Margins m = { }) const
		{
			int32_t const height = std::max(m.top - m.border(), 0);
			return { { content.at.x, content.at.y - height }, { content.area.w, uint32_t(height) } };
		}

		/* the close button, at the right end of the title bar */
		Rect closer(Margins m = { }) const
		{
			Rect const bar = title_bar(m);
			int32_t const size = std::min<int32_t>(CLOSER_SIZE, int32_t(bar.area.h));
			int32_t const pad = (int32_t(bar.area.h) - size) / 2;
			return { { bar.at.x + int32_t(bar.area.w) - size - pad, bar.at.y + pad },
			         { uint32_t(size), uint32_t(size) } };
		}

		/* which part of the window is at 'p' (screen coordinates) */
		Element element_at(Point p, Margins m = { }) const
		{
			if (!contains(outer(m), p)) return Element::NONE;
			if (contains(content, p))   return Element::CONTENT;
			if (contains(closer(m), p)) return Element::CLOSER;
			if (contains(title_bar(m), p)) return Element::TITLE;

			Rect const o = outer(m);
			int32_t const b = m.border();
			bool const left   = p.x <  o.at.x + b;
			bool const right  = p.x >= o.at.x + int32_t(o.area.w) - b;
			bool const top    = p.y <  o.at.y + b;
			bool const bottom = p.y >= o.at.y + int32_t(o.area.h) - b;

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

	/* An element's name in the hover report (Genode's), and back */
	inline char const *element_name(Element e)
	{
		switch (e) {
		case Element::NONE:         return "none";
		case Element::CONTENT:      return "content";
		case Element::TITLE:        return "title";
		case Element::CLOSER:       return "closer";
		case Element::LEFT:         return "left_sizer";
		case Element::RIGHT:        return "right_sizer";
		case Element::TOP:          return "top_sizer";
		case Element::BOTTOM:       return "bottom_sizer";
		case Element::TOP_LEFT:     return "top_left_sizer";
		case Element::TOP_RIGHT:    return "top_right_sizer";
		case Element::BOTTOM_LEFT:  return "bottom_left_sizer";
		case Element::BOTTOM_RIGHT: return "bottom_right_sizer";
		}
		return "none";
	}

	inline Element element_from_name(std::string_view name)
	{
		for (Element e : { Element::CONTENT, Element::TITLE, Element::CLOSER, Element::LEFT, Element::RIGHT,
		                   Element::TOP, Element::BOTTOM, Element::TOP_LEFT, Element::TOP_RIGHT,
		                   Element::BOTTOM_LEFT, Element::BOTTOM_RIGHT })
			if (name == element_name(e)) return e;
		return Element::NONE;
	}

	/*
	 * The decorator's "hover" report: the window and element under the
	 * pointer at 'at' (the position it was computed for, so that a reader
	 * can tell whether it is current)
	 *
	 *   <hover xpos="60" ypos="25"> <window id="1"> <title/> </window> </hover>
	 */
	struct Hover
	{
		Point    at      { 0, 0 };
		unsigned window  = 0;   /* 0: no window */
		Element  element = Element::NONE;

		bool operator == (Hover const &o) const
		{
			return at.x == o.at.x && at.y == o.at.y && window == o.window && element == o.element;
		}

		std::string to_xml() const
		{
			std::string xml = "<hover xpos=\"" + std::to_string(at.x) + "\" ypos=\"" + std::to_string(at.y) + "\"";
			if (!window) return xml + "/>\n";
			return xml + ">\n\t<window id=\"" + std::to_string(window) + "\">\n\t\t<"
			     + element_name(element) + "/>\n\t</window>\n</hover>\n";
		}

		static std::optional<Hover> from_xml(pugi::xml_node node)
		{
			if (!node || std::string_view(node.name()) != "hover") return std::nullopt;
			Hover h;
			h.at = { node.attribute("xpos").as_int(0), node.attribute("ypos").as_int(0) };
			pugi::xml_node const w = node.child("window");
			h.window  = w.attribute("id").as_uint(0);
			h.element = element_from_name(w.first_child().name());
			if (h.element == Element::NONE) h.window = 0;
			return h;
		}
	};

	/*
	 * The decorator's "decorator_margins" report (Genode's format)
	 *
	 *   <decorator_margins> <floating top="26" bottom="4" left="4" right="4"/> </decorator_margins>
	 */
	inline std::string to_xml(Margins m)
	{
		return "<decorator_margins>\n\t<floating top=\"" + std::to_string(m.top) + "\" bottom=\"" + std::to_string(m.bottom)
		     + "\" left=\"" + std::to_string(m.left) + "\" right=\"" + std::to_string(m.right) + "\"/>\n</decorator_margins>\n";
	}

	/* The margins of a report, each bounded to 0..MAX_MARGIN; the decorator's own where none is */
	enum : int32_t { MAX_MARGIN = 256 };
	inline Margins margins_from_xml(pugi::xml_node node)
	{
		Margins m { };
		pugi::xml_node const f = node.child("floating");
		if (!f) return m;
		auto const bounded = [&] (char const *name, int32_t fallback) {
			return std::clamp(f.attribute(name).as_int(fallback), 0, int32_t(MAX_MARGIN)); };
		m.top    = bounded("top",    m.top);
		m.bottom = bounded("bottom", m.bottom);
		m.left   = bounded("left",   m.left);
		m.right  = bounded("right",  m.right);
		return m;
	}

	/* XML attribute text of at most 'max' characters: those that would end or break the attribute replaced */
	inline std::string attribute_text(std::string_view s, size_t max = TITLE_MAX)
	{
		std::string out;
		for (char c : s.substr(0, max)) {
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
