/*
 * 'nestbox check --dot': the system as a Graphviz digraph
 *
 * init's children sit in a cluster labelled "init" together with a node for
 * init itself (the server of inline configs); core is outside, the server of
 * everything routed to the parent. A child's node is "init/NAME", so that no
 * start name can clash with "core", "init" or "unrouted". Sessions of the
 * same service between the same client and server (several ROMs) are drawn
 * once.
 */

#include "check_dot.h"

#include <set>
#include <tuple>

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

	bool unrouted = false;
	std::set<std::tuple<std::string, std::string, std::string>> drawn;
	for (Session_route const &r : findings.routes) {
		using Target = Session_route::Target;
		std::string const server = r.target == Target::CHILD  ? "init/" + r.server
		                         : r.target == Target::PARENT ? "core"
		                         : r.target == Target::INIT   ? "init" : "unrouted";
		if (!drawn.insert({ r.client, server, r.service }).second) continue;

		g += "\t" + quoted("init/" + r.client) + " -> " + quoted(server) + " [label=" + quoted(r.service);
		if (r.target == Target::NONE) {
			unrouted = true;
			g += std::string(", style=dashed, color=red, fontcolor=red")
			   + (r.optional ? ", tooltip=\"optional\"" : "");
		}
		g += "];\n";
	}
	if (unrouted)
		g += "\t\"unrouted\" [shape=plaintext, fontcolor=red];\n";
	return g + "}\n";
}
