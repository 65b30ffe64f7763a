/*
 * The reports between wm and the window_layouter (Genode's names and forms)
 *
 * wm reports the windows its clients opened as "window_list" and the
 * windows the gui server focused on a client's behalf as "focus_request";
 * the layouter answers with "window_layout" (nestbox/wm/window_layout.h),
 * "resize_request" (the size each window's client is asked to take; 0x0
 * asks it to close) and "focus" (the window keys typed on a decoration go
 * to).
 *
 *   <window_list>
 *     <window id="1" label="paint" title="paint" width="480" height="300"/>
 *   </window_list>
 *   <resize_request> <window id="1" width="600" height="400"/> </resize_request>
 *   <focus presses="4"> <window id="1"/> </focus>
 *   <focus_request id="3"> <window id="1"/> </focus_request>
 */
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include <nestbox/util/geometry.h>
#include <nestbox/wm/window_layout.h>

namespace nestbox::Wm {

	/* what a label or title keeps of a report: the client's label is at most this long */
	enum : size_t { LABEL_MAX = 160 };

	/* sizes in reports are clamped to this a side */
	enum : uint32_t { MAX_SIDE = 16384 };

	struct Window_info
	{
		unsigned    id = 0;
		std::string label { };   /* the client's session label, as wm sees it */
		std::string title { };   /* the view's title, or the label where the client set none */
		Area        size  { };   /* the client's view, as it placed it */
	};

	using Window_list = std::vector<Window_info>;   /* in the order the windows appeared */

	struct Resize { unsigned id = 0; Area size { }; };

	using Resize_request = std::vector<Resize>;

	inline std::string to_xml(Window_list const &list)
	{
		std::string xml = "<window_list>\n";
		for (Window_info const &w : list)
			xml += "\t<window id=\"" + std::to_string(w.id) + "\" label=\"" + attribute_text(w.label, LABEL_MAX)
			     + "\" title=\"" + attribute_text(w.title, LABEL_MAX)
			     + "\" width=\"" + std::to_string(w.size.w) + "\" height=\"" + std::to_string(w.size.h) + "\"/>\n";
		return xml + "</window_list>\n";
	}

	inline Window_list window_list_from_xml(pugi::xml_node node)
	{
		Window_list list;
		for (pugi::xml_node w : node.children("window")) {
			Window_info i;
			i.id    = w.attribute("id").as_uint(0);
			i.label = std::string(w.attribute("label").value()).substr(0, LABEL_MAX);
			i.title = std::string(w.attribute("title").value()).substr(0, LABEL_MAX);
			i.size  = { std::min(w.attribute("width").as_uint(0), uint32_t(MAX_SIDE)),
			            std::min(w.attribute("height").as_uint(0), uint32_t(MAX_SIDE)) };
			if (i.id) list.push_back(i);
		}
		return list;
	}

	inline std::string to_xml(Resize_request const &request)
	{
		std::string xml = "<resize_request>\n";
		for (Resize const &r : request)
			xml += "\t<window id=\"" + std::to_string(r.id) + "\" width=\"" + std::to_string(r.size.w)
			     + "\" height=\"" + std::to_string(r.size.h) + "\"/>\n";
		return xml + "</resize_request>\n";
	}

	inline Resize_request resize_request_from_xml(pugi::xml_node node)
	{
		Resize_request request;
		for (pugi::xml_node w : node.children("window")) {
			Resize r { .id = w.attribute("id").as_uint(0),
			           .size = { std::min(w.attribute("width").as_uint(0), uint32_t(MAX_SIDE)),
			                     std::min(w.attribute("height").as_uint(0), uint32_t(MAX_SIDE)) } };
			if (r.id) request.push_back(r);
		}
		return request;
	}

	/* "focus" and "focus_request": the window of the first <window> node, 0 for none */
	inline unsigned focused_window(pugi::xml_node node) { return node.child("window").attribute("id").as_uint(0); }

	/*
	 * 'presses' counts the button presses the layouter has handled: wm holds
	 * back keys typed on a decoration until the focus answers its last press
	 */
	inline std::string focus_xml(unsigned window, uint64_t presses)
	{
		std::string const head = "<focus presses=\"" + std::to_string(presses) + "\"";
		if (!window) return head + "/>\n";
		return head + ">\n\t<window id=\"" + std::to_string(window) + "\"/>\n</focus>\n";
	}

	/* 'id' counts the requests, so that a repeated request for one window is a new one */
	inline std::string focus_request_xml(unsigned id, unsigned window)
	{
		return "<focus_request id=\"" + std::to_string(id) + "\">\n\t<window id=\""
		     + std::to_string(window) + "\"/>\n</focus_request>\n";
	}

	/* The layouter's <assign> rule for a label: the first whose label, label_prefix or label_suffix matches */
	inline pugi::xml_node assign_rule(pugi::xml_node config, std::string_view label)
	{
		for (pugi::xml_node a : config.children("assign")) {
			if (a.attribute("label") && label == a.attribute("label").value()) return a;
			if (a.attribute("label_prefix") && label.starts_with(a.attribute("label_prefix").value())) return a;
			if (a.attribute("label_suffix") && label.ends_with(a.attribute("label_suffix").value())) return a;
		}
		return { };
	}

	/* A window as the layouter's "rules" report keeps it: where it is now */
	struct Placed { std::string label { }; Point at { 0, 0 }; Area size { }; };

	/*
	 * The "rules" report: an <assign> per placed window (back to front, so
	 * that read as a config, the front-most's rule comes last), then the
	 * config's rules that no window uses, as they are
	 *
	 *   <rules> <assign label="a" xpos="20" ypos="40" width="120" height="80"/> </rules>
	 */
	inline std::string rules_xml(std::vector<Placed> const &placed, pugi::xml_node config)
	{
		std::string xml = "<rules>\n";
		for (Placed const &p : placed)
			xml += "\t<assign label=\"" + attribute_text(p.label, LABEL_MAX)
			     + "\" xpos=\"" + std::to_string(p.at.x) + "\" ypos=\"" + std::to_string(p.at.y)
			     + "\" width=\"" + std::to_string(p.size.w) + "\" height=\"" + std::to_string(p.size.h) + "\"/>\n";
		for (pugi::xml_node a : config.children("assign")) {
			bool const used = std::any_of(placed.begin(), placed.end(), [&] (Placed const &p) {
				return assign_rule(config, p.label) == a; });
			if (used) continue;
			std::string attrs;
			for (pugi::xml_attribute attr : a.attributes())
				attrs += std::string(" ") + attr.name() + "=\"" + attribute_text(attr.value(), LABEL_MAX) + "\"";
			xml += "\t<assign" + attrs + "/>\n";
		}
		return xml + "</rules>\n";
	}
}
