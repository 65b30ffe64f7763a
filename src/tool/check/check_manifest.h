/*
 * A component's manifest as 'nestbox check' reads it
 *
 * The text comes from the binary's ".nestbox_manifest" section (see
 * include/nestbox/manifest.h); docs/CHECK.md describes the format.
 */
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace Check {

struct Manifest
{
	/* a session the component asks for, with the label it asks with */
	struct Requirement
	{
		std::string service;
		std::string label { };
		bool        optional = false;
	};

	std::vector<Requirement> required { };
	std::set<std::string>    provides { };

	/*
	 * The services depend on the component's config (a nested init exports
	 * what its config says): the <provides> of the start node is trusted.
	 */
	bool provides_per_config = false;

	bool provides_service(std::string const &name) const
	{
		return provides_per_config || provides.count(name);
	}
};

/* nullopt and 'error' set if 'text' is no valid manifest */
std::optional<Manifest> parse_manifest(std::string_view text, std::string &error);

} /* namespace Check */
