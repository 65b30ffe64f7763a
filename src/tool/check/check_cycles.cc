/*
 * Finding routing cycles
 *
 * A cycle deadlocks: init starts a child only when its environment sessions
 * are granted, and a server answers only once it runs. So a cycle of
 * mandatory sessions is an error, one that needs an optional session a
 * warning. Configs are small: a breadth-first search per edge is plenty.
 */

#include "check_cycles.h"

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <tuple>

using namespace Check;

namespace {

/* edge indices of a shortest path 'from' -> 'to' (empty if from == to) */
std::optional<std::vector<size_t>> path(std::vector<Session_edge> const &edges, std::string const &from,
                                        std::string const &to, bool mandatory_only)
{
	std::map<std::string, size_t> via;    /* node -> edge that reached it */
	std::set<std::string> visited { from };
	std::deque<std::string> queue { from };
	while (!queue.empty() && !visited.count(to)) {
		std::string const node = queue.front();
		queue.pop_front();
		for (size_t i = 0; i < edges.size(); i++) {
			Session_edge const &e = edges[i];
			if (e.client != node || (mandatory_only && !e.mandatory) || visited.count(e.server)) continue;
			visited.insert(e.server);
			via[e.server] = i;
			queue.push_back(e.server);
		}
	}
	if (!visited.count(to)) return std::nullopt;

	std::vector<size_t> result;
	for (std::string node = to; node != from; node = edges[via[node]].client)
		result.insert(result.begin(), via[node]);
	return result;
}

}


std::string Cycle::text() const
{
	std::string names = edges.front().client, details;
	for (Session_edge const &e : edges) {
		names += " -> " + e.server;
		if (!details.empty()) details += ", ";
		details += e.client + "'s " + e.service + (e.label.empty() ? "" : " \"" + e.label + "\"")
		         + (e.mandatory ? "" : " (optional)") + " goes to " + e.server;
	}
	return names + " (" + details + ")";
}


std::vector<Cycle> Check::find_cycles(std::vector<Session_edge> const &edges)
{
	/*
	 * Every edge that lies on a cycle is reported in one: the shortest cycle
	 * through it. Two cycles are the same if they have the same sessions,
	 * whatever child they are told from; cycles between the same children
	 * through other services are other cycles, each a deadlock of its own.
	 */
	std::vector<Cycle> cycles;
	std::set<std::set<std::tuple<std::string, std::string, std::string>>> seen;

	for (bool const mandatory : { true, false }) {
		for (size_t i = 0; i < edges.size(); i++) {
			Session_edge const &e = edges[i];
			if (e.mandatory != mandatory) continue;
			auto rest = path(edges, e.server, e.client, mandatory);
			if (!rest) continue;

			Cycle cycle { { e }, mandatory };
			for (size_t j : *rest) cycle.edges.push_back(edges[j]);
			std::set<std::tuple<std::string, std::string, std::string>> sessions;
			for (Session_edge const &c : cycle.edges) sessions.insert({ c.client, c.server, c.service });
			if (seen.insert(sessions).second) cycles.push_back(std::move(cycle));
		}
	}
	return cycles;
}
