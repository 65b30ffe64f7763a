/*
 * Routing cycles: a child whose session goes, server by server, back to it
 */
#pragma once

#include <string>
#include <vector>

namespace Check {

/* one routed session: 'client' needs 'service' of 'server' */
struct Session_edge
{
	std::string client, server, service;
	bool        mandatory;   /* false: an optional session, which may never be asked for */
	std::string label { };   /* of a session known only by a route (check_system.cc) */
};

struct Cycle
{
	std::vector<Session_edge> edges;       /* edges[0].client == edges.back().server */
	bool                      mandatory;   /* every edge is mandatory: a sure deadlock */

	/* "a -> b -> a (a's LOG goes to b, b's Timer goes to a)" */
	std::string text() const;
};

/*
 * Each edge on a cycle in at least one cycle, each cycle once (by its set of
 * sessions); mandatory ones first
 */
std::vector<Cycle> find_cycles(std::vector<Session_edge> const &edges);

} /* namespace Check */
