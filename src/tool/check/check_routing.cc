/*
 * Routing a session request on paper
 *
 * This follows Init::Main::route and try_target (src/init/routing.cc) step
 * by step, minus what only exists at run time: a child that exists and
 * declares the service is taken even before it announces the service,
 * because init then waits for it instead of trying the next target.
 */

#include "check_routing.h"

#include <nestbox/util/arg_string.h>

using namespace Check;
using Init::Route_target;

std::string Check::quoted_list(std::vector<std::string> const &names)
{
	std::string s;
	for (size_t i = 0; i < names.size(); i++) {
		if (i) s += i + 1 == names.size() ? " and " : ", ";
		s += "\"" + names[i] + "\"";
	}
	return s;
}


static bool declares(Init::Start_node const &s, std::string const &service)
{
	for (auto const &p : s.provides) if (p == service) return true;
	return false;
}


Resolution Check::resolve(Init::Config_model const &model, Init::Start_node const &client,
                                std::string const &service, std::string const &label)
{
	Resolution r;

	/* init serves the inline <config> itself, before any route is consulted */
	if (service == "ROM" && label == "config" && client.config) {
		r.kind = Resolution::Kind::INIT;
		return r;
	}

	std::string const unscoped = nestbox::Label::prefixed(client.name, label);
	Init::Route_rule const *rule = nullptr;
	for (Init::Route const *route : { &client.route, &model.default_route }) {
		for (auto const &candidate : *route)
			if (candidate.matches(service, label, unscoped)) { rule = &candidate; break; }
		if (rule) break;
	}
	if (!rule) { r.no_rule = true; return r; }

	for (Route_target const &target : rule->targets) {
		if (target.kind == Route_target::Kind::PARENT) {
			if (model.parent_provides.count(service)) {
				r.kind = Resolution::Kind::PARENT;
				return r;
			}
			r.skipped.push_back("<parent/>: \"" + service + "\" is not in <parent-provides>");
			continue;
		}

		if (target.kind == Route_target::Kind::CHILD) {
			std::string const name { model.resolve_alias(target.child) };
			std::string const shown = name == target.child ? "\"" + name + "\""
			                        : "\"" + target.child + "\" (alias of \"" + name + "\")";
			Init::Start_node const *server = model.start(name);
			if (!server) {
				r.skipped.push_back("<child name=\"" + target.child + "\"/>: there is no child " + shown);
				continue;
			}
			if (!declares(*server, service)) {
				r.skipped.push_back("<child name=\"" + target.child + "\"/>: child " + shown
				                    + " does not declare \"" + service + "\" in its <provides>");
				continue;
			}
			r.kind   = Resolution::Kind::CHILD;
			r.server = name;
			return r;
		}

		/* <any-child/>: init takes it only if exactly one other child declares the service */
		std::vector<std::string> candidates;
		for (auto const &s : model.starts)
			if (s.name != client.name && declares(s, service)) candidates.push_back(s.name);
		if (candidates.size() == 1) {
			r.kind   = Resolution::Kind::CHILD;
			r.server = candidates.front();
			return r;
		}
		if (candidates.empty()) {
			r.skipped.push_back("<any-child/>: no child declares \"" + service + "\" in its <provides>");
			continue;
		}
		/* init refuses an ambiguous route outright instead of falling back */
		r.ambiguities.push_back("<any-child/> is ambiguous: \"" + service + "\" is declared by "
		                        + quoted_list(candidates));
		r.skipped.push_back(r.ambiguities.back());
		break;
	}
	return r;
}
