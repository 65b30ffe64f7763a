/*
 * Input events described in the config's <inject> node
 */
#pragma once

#include <vector>

#include <pugixml.hpp>

#include <nestbox/session/input.h>

namespace Fb_driver {

	/* The events of 'inject' in order; unknown or invalid nodes are skipped with a warning */
	std::vector<nestbox::Input::Event> events_from_config(pugi::xml_node inject);
}
