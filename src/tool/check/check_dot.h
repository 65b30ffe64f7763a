/*
 * 'nestbox check --dot': the system as a Graphviz digraph
 */
#pragma once

#include <string>

#include "check_system.h"

namespace Check {

/*
 * Core, init and its children as nodes, an edge from each client to each of
 * its servers labelled with the services routed there; requests that do not
 * route go dashed and red to an "unrouted" node. 'name' titles the graph.
 */
std::string dot_graph(std::string const &name, Init::Config_model const &, Findings const &);

} /* namespace Check */
