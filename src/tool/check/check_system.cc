/*
 * The checks of 'nestbox check'
 *
 * Each start node is checked like init would start it: its binary, its
 * environment sessions (PD, CPU, LOG, the binary's ROM), then what its
 * binary's manifest requires. Then what spans the whole config: exports,
 * routing cycles and quotas.
 */

#include "check_system.h"

#include <limits>
#include <optional>
#include <set>
#include <sys/stat.h>

#include <nestbox/util/arg_string.h>

#include "check_cycles.h"
#include "check_elf.h"
#include "check_manifest.h"
#include "check_routing.h"

using namespace Check;
using Init::Start_node;
using Resolution = Init::Route_resolution;

namespace {

/*
 * What core offers as init's parent (Core::Main::services in main.cc). A
 * request routed to the parent for anything else is denied by core.
 */
std::set<std::string> const CORE_SERVICES { "LOG", "ROM", "PD", "CPU", "Timer", "Report" };

/* What check learned of a start node's binary */
struct Component
{
	std::string             path { };       /* empty: in no ROM directory */
	std::optional<Manifest> manifest { };   /* nullopt: unknown, not checked */
};

/* A session request as check looks at it */
struct Request
{
	std::string service, label, what;   /* 'what' names it in messages */
	Diagnostic::Severity severity;      /* of a failure to route it */
	bool        mandatory;              /* for routing cycles */
};

bool declares(Start_node const &s, std::string const &service)
{
	for (auto const &p : s.provides) if (p == service) return true;
	return false;
}

std::string joined(std::vector<std::string> const &parts, std::string const &sep)
{
	std::string s;
	for (auto const &p : parts) s += (s.empty() ? "" : sep) + p;
	return s;
}

uint64_t saturated_sum(uint64_t a, uint64_t b)
{
	return b > std::numeric_limits<uint64_t>::max() - a ? std::numeric_limits<uint64_t>::max() : a + b;
}

struct Checker
{
	System const &system;
	Init::Config_model const &model = system.model;

	std::vector<Diagnostic>          diagnostics { };
	std::map<std::string, Component> components { };   /* by start name */
	std::vector<Session_edge>        edges { };
	std::vector<Session_route>       routes { };

	void report(Diagnostic::Severity s, size_t offset, std::string message) {
		diagnostics.push_back({ s, offset, std::move(message) }); }

	void error(Start_node const &s, std::string const &m) {
		report(Diagnostic::Severity::ERROR, system.offsets.starts.at(s.name), "start \"" + s.name + "\": " + m); }

	void warning(Start_node const &s, std::string const &m) {
		report(Diagnostic::Severity::WARNING, system.offsets.starts.at(s.name), "start \"" + s.name + "\": " + m); }

	void problem(Diagnostic::Severity sev, Start_node const &s, std::string const &m) {
		sev == Diagnostic::Severity::ERROR ? error(s, m) : warning(s, m); }

	std::string locate(std::string const &binary) const
	{
		for (auto const &dir : system.rom_dirs) {
			std::string const path = dir + "/" + binary;
			struct stat st { };
			if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return path;
		}
		return { };
	}

	/* the label init asks for the binary with (Init::Child::launch) */
	static std::string binary_label(Start_node const &s) { return s.binary; }

	void check_binary(Start_node const &s)
	{
		Component &c = components[s.name];
		c.path = locate(s.binary);

		Resolution const rom = resolve(model, s, "ROM", binary_label(s));
		if (c.path.empty()) {
			if (rom.kind == Resolution::Kind::PARENT)
				error(s, "binary \"" + s.binary + "\" is in none of the ROM directories ("
				         + joined(system.rom_dirs, ", ") + ")");
			else if (rom.kind == Resolution::Kind::CHILD)
				warning(s, "binary \"" + s.binary + "\" comes from child \"" + rom.server
				           + "\" and is not checked");
			return;
		}

		Elf_info const elf = read_elf(c.path);
		if (elf.problem) { error(s, "binary \"" + s.binary + "\" (" + c.path + ") " + *elf.problem); return; }
		if (!elf.manifest) {
			warning(s, "binary \"" + s.binary + "\" has no manifest: its requirements are not checked");
			return;
		}
		std::string why;
		c.manifest = parse_manifest(*elf.manifest, why);
		if (!c.manifest) error(s, "binary \"" + s.binary + "\" (" + c.path + "): " + why);
	}

	void check_request(Start_node const &s, Request const &q)
	{
		Resolution const r = resolve(model, s, q.service, q.label);
		auto const sev = q.severity;

		using Target = Session_route::Target;
		Target const target = r.kind == Resolution::Kind::INIT   ? Target::INIT
		                    : r.kind == Resolution::Kind::PARENT ? Target::PARENT
		                    : r.kind == Resolution::Kind::CHILD  ? Target::CHILD : Target::NONE;
		routes.push_back({ s.name, q.service, q.label, target, r.server,
		                   sev == Diagnostic::Severity::WARNING });

		if (r.kind == Resolution::Kind::NO_RULE) { problem(sev, s, q.what + " has no route"); return; }
		if (r.kind == Resolution::Kind::UNAVAILABLE) {
			problem(sev, s, q.what + " does not route: " + joined(skipped_texts(r, q.service), "; "));
			return;
		}

		if (r.kind == Resolution::Kind::PARENT && !CORE_SERVICES.count(q.service))
			warning(s, q.what + " goes to init's parent, but nestbox core does not provide \""
			           + q.service + "\"");

		if (r.kind != Resolution::Kind::CHILD) return;

		edges.push_back({ s.name, r.server, q.service, q.mandatory, q.label });
		Component const &server = components[r.server];
		if (server.manifest && !server.manifest->provides_service(q.service))
			problem(sev, s, q.what + " goes to \"" + r.server + "\", whose binary \""
			                + model.start(r.server)->binary + "\" does not provide \"" + q.service
			                + "\" by its manifest (init would wait for it forever)");
	}

	static std::string label_text(std::string const &label) {
		return label.empty() ? "" : " (label \"" + label + "\")"; }

	void check_sessions(Start_node const &s)
	{
		using enum Diagnostic::Severity;
		for (char const *env : { "PD", "CPU", "LOG" })
			check_request(s, { env, "", "environment session \"" + std::string(env) + "\"", ERROR, true });
		check_request(s, { "ROM", binary_label(s), "environment session \"ROM\" of its binary \""
		                   + s.binary + "\"", ERROR, true });

		/* components read their "config" ROM; without an inline <config> it is routed */
		if (!s.config)
			check_request(s, { "ROM", "config", "its \"config\" ROM (no inline <config>)", WARNING, false });

		Component const &c = components[s.name];
		if (!c.manifest) return;
		for (auto const &req : c.manifest->required) {
			std::string const what = (req.optional ? "optional service \"" : "service \"")
			                       + req.service + "\"" + label_text(req.label);
			check_request(s, { req.service, req.label, what, req.optional ? WARNING : ERROR, !req.optional });
		}
		for (auto const &p : s.provides)
			if (!c.manifest->provides_service(p))
				warning(s, "declares \"" + p + "\" in <provides>, but its binary \"" + s.binary
				           + "\" does not provide it by its manifest");
	}

	void check_exports()
	{
		for (size_t i = 0; i < model.services.size(); i++) {
			Init::Service_export const &e = model.services[i];
			size_t const offset = system.offsets.services.at(i);
			auto fail = [&] (std::string const &m) {
				report(Diagnostic::Severity::ERROR, offset, "service \"" + e.name + "\" (export): " + m); };

			for (auto const &p : e.policies) {
				std::string const name { model.resolve_alias(p.child) };
				Start_node const *server = model.start(name);
				if (!server) { fail("its policy names \"" + p.child + "\", which is no child"); continue; }
				if (!declares(*server, e.name)) {
					fail("child \"" + name + "\" does not declare \"" + e.name + "\" in its <provides>");
					continue;
				}
				auto const &m = components[name].manifest;
				if (m && !m->provides_service(e.name))
					fail("child \"" + name + "\"'s binary \"" + server->binary
					     + "\" does not provide \"" + e.name + "\" by its manifest");
			}
		}
	}

	/*
	 * A label a rule matches, to resolve a request the rule is meant for: the
	 * rule's own label, or one built from its prefix, last element and suffix.
	 */
	static std::string label_for(Init::Route_rule const &r, std::string const &client)
	{
		if (r.label) return *r.label;
		std::string label = r.label_prefix.value_or("");
		if (r.unscoped_label && r.unscoped_label->starts_with(client + " -> "))
			label = r.unscoped_label->substr(client.size() + 4);
		if (r.label_last) label = label.empty() ? *r.label_last : label + " -> " + *r.label_last;
		if (r.label_suffix && !label.ends_with(*r.label_suffix)) label += *r.label_suffix;
		return label;
	}

	/*
	 * Routes to a child for requests check does not know of: a component may
	 * open sessions its manifest does not name (the dummy's LOG connections,
	 * a ROM or Report of a label of its own), and each such route is a way
	 * into a cycle. Every rule of a start node and of <default-route> is
	 * resolved like init would, for each service it can match and the label
	 * it names; where it leads to a child, that is an optional edge, unless
	 * a known request made the same edge already.
	 */
	void collect_route_edges()
	{
		std::set<std::string> services = model.parent_provides;
		services.insert(CORE_SERVICES.begin(), CORE_SERVICES.end());
		for (auto const &s : model.starts) services.insert(s.provides.begin(), s.provides.end());

		auto known = [&] (std::string const &client, std::string const &server, std::string const &service) {
			for (Session_edge const &e : edges)
				if (e.client == client && e.server == server && e.service == service) return true;
			return false;
		};
		for (auto const &s : model.starts) {
			for (Init::Route const *route : { &s.route, &model.default_route }) {
				for (Init::Route_rule const &rule : *route) {
					std::string const label = label_for(rule, s.name);
					for (std::string const &service : services) {
						if (rule.service && *rule.service != service) continue;
						Resolution const r = resolve(model, s, service, label);
						if (r.kind == Resolution::Kind::CHILD && !known(s.name, r.server, service))
							edges.push_back({ s.name, r.server, service, false, label });
					}
				}
			}
		}
	}

	void check_cycles()
	{
		collect_route_edges();
		for (Cycle const &c : find_cycles(edges)) {
			auto const sev = c.mandatory ? Diagnostic::Severity::ERROR : Diagnostic::Severity::WARNING;
			problem(sev, *model.start(c.edges.front().client), "routing cycle " + c.text());
		}
	}

	void check_quotas()
	{
		using nestbox::Arg_string::format_size;
		uint64_t ram = 0, caps = 0;
		for (auto const &s : model.starts) { ram = saturated_sum(ram, s.ram); caps = saturated_sum(caps, s.caps); }

		/* init trims what does not fit (as Genode's does), so this only warns */
		size_t const at = system.offsets.config;
		if (saturated_sum(ram, model.preserve_ram) > system.init_ram)
			report(Diagnostic::Severity::WARNING, at, "the children's RAM (" + format_size(ram)
			       + ") plus the RAM preserved for init (" + format_size(model.preserve_ram)
			       + ") exceed init's RAM quota of " + format_size(system.init_ram)
			       + " (--ram): init trims the RAM of the children that do not fit");
		if (caps > system.init_caps)
			report(Diagnostic::Severity::WARNING, at, "the children's caps (" + std::to_string(caps)
			       + ") exceed init's cap quota of " + std::to_string(system.init_caps)
			       + " (--caps): init trims the caps of the children that do not fit");
	}

	void run()
	{
		/* binaries first: a client's check looks at its server's manifest */
		for (auto const &s : model.starts) check_binary(s);
		for (auto const &s : model.starts) check_sessions(s);
		check_exports();
		check_cycles();
		check_quotas();
	}
};

}


Findings Check::check_system(System const &system)
{
	Checker checker { system };
	checker.run();
	return { std::move(checker.diagnostics), std::move(checker.routes) };
}
