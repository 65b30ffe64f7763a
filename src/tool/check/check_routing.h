/*
 * Routing a session request on paper, the way init routes it at run time
 */
#pragma once

#include <string>
#include <vector>

#include <nestbox/init/route_resolution.h>

namespace Check {

/*
 * Where init would send a session request of a start node: the resolution
 * init itself uses, with every start node of the config as a possible
 * server. 'label' is the one the client asks with (empty for most sessions).
 */
Init::Route_resolution resolve(Init::Config_model const &, Init::Start_node const &client,
                               std::string const &service, std::string const &label);

/* Why each target of the matching rule was passed over, one text each */
std::vector<std::string> skipped_texts(Init::Route_resolution const &, std::string const &service);

/* "\"a\"" or "\"a\", \"b\" and \"c\"" */
std::string quoted_list(std::vector<std::string> const &names);

} /* namespace Check */
