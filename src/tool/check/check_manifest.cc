/*
 * Parsing a component's manifest
 */

#include "check_manifest.h"

#include <pugixml.hpp>

using namespace Check;

std::optional<Manifest> Check::parse_manifest(std::string_view text, std::string &error)
{
	pugi::xml_document doc;
	pugi::xml_parse_result const parsed = doc.load_buffer(text.data(), text.size());
	if (!parsed) {
		error = std::string("malformed manifest: ") + parsed.description();
		return std::nullopt;
	}
	pugi::xml_node const root = doc.document_element();
	if (std::string_view(root.name()) != "manifest") {
		error = "malformed manifest: the top-level node must be <manifest>";
		return std::nullopt;
	}

	Manifest m;
	for (pugi::xml_node s : root.child("requires").children("service")) {
		Manifest::Requirement r { s.attribute("name").value(), s.attribute("label").value(),
		                          s.attribute("optional").as_bool(false) };
		if (r.service.empty()) {
			error = "malformed manifest: a required <service> without a name";
			return std::nullopt;
		}
		m.required.push_back(std::move(r));
	}

	pugi::xml_node const provides = root.child("provides");
	m.provides_per_config = provides.attribute("per_config").as_bool(false);
	for (pugi::xml_node s : provides.children("service")) {
		std::string name = s.attribute("name").value();
		if (name.empty()) {
			error = "malformed manifest: a provided <service> without a name";
			return std::nullopt;
		}
		m.provides.insert(std::move(name));
	}
	return m;
}
