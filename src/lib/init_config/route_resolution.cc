/*
 * Resolving a session request against init's routing rules
 */

#include <nestbox/init/route_resolution.h>

#include <nestbox/util/arg_string.h>

using namespace Init;

Route_resolution Init::resolve_route(Config_model const &model, Start_node const &client,
                                     std::span<Route_server const> servers,
                                     std::string_view service, std::string_view label,
                                     bool binary_rom)
{
	using Why = Skipped_target::Why;

	Route_resolution r;

	/* init serves the inline <config> itself, before any route is consulted */
	if (service == "ROM" && label == "config" && client.config) {
		r.kind = Route_resolution::Kind::INIT;
		return r;
	}

	std::string const unscoped = binary_rom ? std::string(label) : nestbox::Label::prefixed(client.name, label);
	Route_rule const *rule = nullptr;
	for (Route const *route : { &client.route, &model.default_route }) {
		for (auto const &candidate : *route)
			if (candidate.matches(service, label, unscoped)) { rule = &candidate; break; }
		if (rule) break;
	}
	if (!rule) return r;

	auto take = [&] (Route_target const &target, Route_resolution::Kind kind, std::string_view server) {
		r.kind   = kind;
		r.target = &target;
		r.server = server;
		return r;
	};

	r.kind = Route_resolution::Kind::UNAVAILABLE;
	for (Route_target const &target : rule->targets) {

		if (target.kind == Route_target::Kind::PARENT) {
			if (model.parent_provides.count(std::string(service)))
				return take(target, Route_resolution::Kind::PARENT, { });
			r.skipped.push_back({ target, Why::NOT_IN_PARENT_PROVIDES });
			continue;
		}

		if (target.kind == Route_target::Kind::CHILD) {
			std::string const name { model.resolve_alias(target.child) };
			Route_server const *server = nullptr;
			for (auto const &s : servers) if (s.name == name) { server = &s; break; }
			if (!server) {
				r.skipped.push_back({ target, Why::NO_SUCH_CHILD, name });
				continue;
			}
			if (!server->declares(service)) {
				r.skipped.push_back({ target, Why::NOT_DECLARED, name });
				continue;
			}
			return take(target, Route_resolution::Kind::CHILD, name);
		}

		/* <any-child/>: taken only if exactly one other child declares the service */
		std::vector<std::string> candidates;
		for (auto const &s : servers)
			if (s.name != client.name && s.declares(service)) candidates.emplace_back(s.name);
		if (candidates.size() == 1)
			return take(target, Route_resolution::Kind::CHILD, candidates.front());
		if (candidates.empty()) {
			r.skipped.push_back({ target, Why::NO_CANDIDATE });
			continue;
		}

		/* an ambiguous route is an error in the config, not a reason to fall back */
		r.skipped.push_back({ target, Why::AMBIGUOUS, { }, std::move(candidates) });
		break;
	}
	return r;
}
