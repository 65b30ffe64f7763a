/*
 * Domains from the config
 */

#include <nestbox/log.h>

#include "domain.h"

using namespace Gui_server;


Domain Domain::from_xml(pugi::xml_node node)
{
	Domain d { };
	d.name  = node.attribute("name").value();
	d.layer = node.attribute("layer").as_uint(0);

	std::string_view const origin = node.attribute("origin").value();
	if      (origin == "top_right")    d.origin = Origin::TOP_RIGHT;
	else if (origin == "bottom_left")  d.origin = Origin::BOTTOM_LEFT;
	else if (origin == "bottom_right") d.origin = Origin::BOTTOM_RIGHT;
	else if (origin == "pointer")      d.origin = Origin::POINTER;
	else if (!origin.empty() && origin != "top_left")
		warning("domain \"", d.name, "\": unknown origin \"", origin, "\", using top_left");

	d.shift  = { clamped(node.attribute("xpos").as_llong(0), -MAX_COORD, MAX_COORD),
	             clamped(node.attribute("ypos").as_llong(0), -MAX_COORD, MAX_COORD) };
	d.width  = clamped(node.attribute("width").as_llong(0),  -MAX_SIDE, MAX_SIDE);
	d.height = clamped(node.attribute("height").as_llong(0), -MAX_SIDE, MAX_SIDE);

	std::string_view const focus = node.attribute("focus").value();
	if      (focus == "click")     d.focus = Focus::CLICK;
	else if (focus == "transient") d.focus = Focus::TRANSIENT;
	else if (!focus.empty() && focus != "none")
		warning("domain \"", d.name, "\": unknown focus policy \"", focus, "\", using none");

	std::string_view const content = node.attribute("content").value();
	d.content = (content == "tinted") ? Content::TINTED : Content::CLIENT;

	std::string_view const hover = node.attribute("hover").value();
	d.hover = (hover == "always") ? Hover::ALWAYS : Hover::FOCUSED;

	d.label = node.attribute("label").as_bool(false);

	if (pugi::xml_attribute const color = node.attribute("color")) {
		if (auto c = Color::parse(color.value())) d.color = *c;
		else warning("domain \"", d.name, "\": malformed color \"", color.value(), "\"");
	}
	return d;
}


Domain_registry::Domain_registry(pugi::xml_node config)
{
	for (pugi::xml_node node : config.children("domain")) {
		Domain d = Domain::from_xml(node);
		if (lookup(d.name)) {
			warning("domain \"", d.name, "\" declared twice, the first one applies");
			continue;
		}
		_domains.push_back(std::make_unique<Domain const>(std::move(d)));
	}
}


Domain const *Domain_registry::lookup(std::string_view name) const
{
	for (auto const &d : _domains)
		if (d->name == name) return d.get();
	return nullptr;
}
