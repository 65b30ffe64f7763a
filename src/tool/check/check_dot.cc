/*
 * 'nestbox check --dot': the system as a Graphviz digraph
 *
 * init's children sit in a cluster labelled "init" together with a node for
 * init itself (the server of inline configs); core is outside, the server of
 * everything routed to the parent. A child's node is "init/NAME", so that no
 * start name can clash with "core", "init" or "unrouted". The sessions
 * between one client and one server are one edge, labelled with their
 * services, so that a graph of ten components stays readable.
 */

#include "check_dot.h"

#include <algorithm>
#include <vector>

using namespace Check;

namespace {

/* a DOT double-quoted string */
std::string quoted(std::string const &s)
{
	std::string q = "\"";
	for (char c : s) {
		if (c == '"' || c == '\\') q += '\\';
		if (c == '\n') { q += "\\n"; continue; }
		q += c;
	}
	return q + "\"";
}

}


std::string Check::dot_graph(std::string const &name, Init::Config_model const &model,
                             Findings const &findings)
{
	std::string g = "digraph " + quoted(name) + " {\n"
	                "\tnode [shape=box, fontname=\"Helvetica\"];\n"
	                "\tedge [fontname=\"Helvetica\", fontsize=10];\n"
	                "\t\"core\" [style=filled, fillcolor=\"#d0d0d0\"];\n"
	                "\tsubgraph \"cluster_init\" {\n"
	                "\t\tlabel=\"init\";\n"
	                "\t\tstyle=rounded;\n"
	                "\t\t\"init\" [style=filled, fillcolor=\"#e8e8e8\"];\n";
	for (auto const &s : model.starts)
		g += "\t\t" + quoted("init/" + s.name) + " [label=" + quoted(s.name + "\n" + s.binary) + "];\n";
	g += "\t}\n";

	/* one edge per client and server, labelled with the services in request order */
	struct Edge { std::string client, server; std::vector<std::string> services; };
	std::vector<Edge> edges;
	std::vector<Session_route const *> unrouted;
	for (Session_route const &r : findings.routes) {
		using Target = Session_route::Target;
		if (r.target == Target::NONE) { unrouted.push_back(&r); continue; }

		std::string const client = "init/" + r.client;
		std::string const server = r.target == Target::CHILD  ? "init/" + r.server
		                         : r.target == Target::PARENT ? "core" : "init";
		auto e = std::find_if(edges.begin(), edges.end(), [&] (Edge const &e) {
			return e.client == client && e.server == server; });
		if (e == edges.end()) e = edges.insert(edges.end(), { client, server, { } });
		if (std::find(e->services.begin(), e->services.end(), r.service) == e->services.end())
			e->services.push_back(r.service);
	}
	/*
	 * Strings are appended piece by piece: '"literal" + std::string' trips
	 * GCC 12's -Wrestrict false positive at -O3 (GCC PR 105651)
	 */
	for (Edge const &e : edges) {
		std::string label;
		for (auto const &s : e.services) {
			if (!label.empty()) label += ", ";
			label += s;
		}
		g += '\t';
		g += quoted(e.client);
		g += " -> ";
		g += quoted(e.server);
		g += " [label=";
		g += quoted(label);
		g += "];\n";
	}

	/* what does not route stays one edge per request: each is a problem to fix */
	for (Session_route const *r : unrouted) {
		std::string client = "init/";
		client += r->client;
		std::string what = r->service;
		if (!r->label.empty()) { what += " \""; what += r->label; what += '"'; }
		g += '\t';
		g += quoted(client);
		g += " -> \"unrouted\" [label=";
		g += quoted(what);
		g += ", style=dashed, color=red, fontcolor=red";
		if (r->optional) g += ", tooltip=\"optional\"";
		g += "];\n";
	}
	if (!unrouted.empty())
		g += "\t\"unrouted\" [shape=plaintext, fontcolor=red];\n";
	return g + "}\n";
}
