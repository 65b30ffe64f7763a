/*
 * Routing of session requests
 *
 * A request is matched against the child's <route>, then <default-route>.
 * The first matching rule's targets are tried in order: init's parent, a
 * named child (or an alias of one), or the one child that provides the
 * service. A target child that exists but has not announced the service yet
 * makes the request wait. Forwarding is asynchronous throughout.
 *
 * Quota that a child passes with a request (ram_quota, cap_quota) is taken
 * from the child's PD and handed to the server; it flows back on close.
 */

#include <nestbox/log.h>
#include <nestbox/util/arg_string.h>

#include "init.h"

using namespace Init;
using namespace nestbox;

Route_rule const *Main::matching_rule(Child const &child, std::string_view service,
                                      std::string_view label, std::string_view unscoped) const
{
	for (Route const *route : { &child.start().route, &model.default_route })
		for (auto const &rule : *route)
			if (rule.matches(service, label, unscoped)) return &rule;
	return nullptr;
}


Main::Attempt Main::try_target(Child &client, Route_target const &target, std::string const &service,
                               std::string const &label, std::string const &args, bool from_process,
                               Route_done &done)
{
	/* find where the request would go, without side effects */
	Child *server = nullptr;
	if (target.kind == Route_target::Kind::PARENT) {
		if (!model.parent_provides.count(service)) {
			warning("\"", client.name(), "\": service \"", service, "\" is not in <parent-provides>");
			return Attempt::UNAVAILABLE;
		}
	} else {
		if (target.kind == Route_target::Kind::CHILD) {
			server = child_by_name(model.resolve_alias(target.child));
		} else {
			/* <any-child>: exactly one other child may provide the service */
			for (auto &c : children) {
				if (c.get() == &client || !c->declares(service) || c->exited()) continue;
				if (server) {
					warning("\"", client.name(), "\": ambiguous <any-child/> route to \"", service, "\"");
					return Attempt::AMBIGUOUS;
				}
				server = c.get();
			}
		}
		if (!server || server->exited() || !server->declares(service))
			return Attempt::UNAVAILABLE;
		if (!server->root(service))
			return Attempt::WAITING;
	}

	/*
	 * The client pays for the session. Its donation moves before the request
	 * does, so that a server can spend it while creating the session: to a
	 * child server directly, to the parent by way of init's own PD.
	 */
	uint64_t const ram  = from_process ? Arg_string::number(args, "ram_quota") : 0;
	uint64_t const caps = from_process ? Arg_string::number(args, "cap_quota") : 0;
	auto paid = server ? client.transfer_to(*server, ram, caps) : client.withdraw(ram, caps);
	if (!paid) {
		warning("\"", client.name(), "\": ", service, " session (label=\"", label, "\") exceeds its quota");
		done(failure(paid.error()));
		return Attempt::FORWARDED;
	}

	std::string const server_label = target.rewritten(Label::prefixed(client.name(), label));
	uint32_t    const client_id    = client.id();
	Session_target const where { server ? Session_target::Kind::CHILD : Session_target::Kind::PARENT,
	                             server ? server->name() : std::string(), 0 };

	auto deliver = [this, client_id, service, server_label, args, where, ram, caps, done = std::move(done)]
	               (Result<Session_grant> r) mutable {
		Routed_session session { service, server_label, args, where, ram, caps, "CAP_HANDED_OUT" };
		if (r) session.target.id = r->id;

		Child *c = child_by_id(client_id);
		if (!c) {
			/* the client is gone: don't leave the session behind at the server */
			if (r) close(nullptr, session);
			return;
		}
		if (!r) {
			/* refused: the donation goes back */
			Child *s = where.kind == Session_target::Kind::CHILD ? child_by_name(where.server) : nullptr;
			if (!s) c->deposit(ram, caps);
			else (void)s->transfer_to(*c, ram, caps);
			done(failure(r.error()));
			return;
		}
		done(Granted { std::move(session), std::move(r->cap) });
	};

	if (server)
		server->root(service)->call<&Root::Session::session>(std::move(deliver),
			Arg_string::set_string(args, "label", server_label));
	else
		parent_async->call<&Parent::Session::session>(std::move(deliver), service, server_label, args);
	return Attempt::FORWARDED;
}


void Main::route(Child &client, std::string const &service, std::string const &label,
                 std::string const &args_in, bool from_process, Route_done done)
{
	/*
	 * Host resources are granted by init's own config only: a child (say, a
	 * nested init) cannot grant them by asking for a PD session with them.
	 */
	std::string const args = from_process ? Arg_string::remove(args_in, "host") : args_in;

	/* the inline <config> of a start node is init's to serve */
	if (service == "ROM" && label == "config" && client.has_inline_config()) {
		done(client.open_config_rom());
		return;
	}

	std::string const unscoped = Label::prefixed(client.name(), label);
	Route_rule const *rule = matching_rule(client, service, label, unscoped);
	if (!rule) {
		warning("\"", client.name(), "\": no route to service \"", service, "\" (label=\"", label, "\")");
		done(failure(Error::DENIED));
		return;
	}

	bool waiting = false;
	for (auto const &target : rule->targets) {
		Attempt const a = try_target(client, target, service, label, args, from_process, done);
		if (a == Attempt::FORWARDED) return;
		if (a == Attempt::WAITING) { waiting = true; break; }
		if (a == Attempt::AMBIGUOUS) break;   /* an error, not a reason to fall back */
	}

	if (waiting) {
		pending.push_back(Pending { client.id(), service, label, args, from_process, std::move(done) });
		return;
	}
	warning("\"", client.name(), "\": service \"", service, "\" (label=\"", label, "\") is unavailable");
	done(failure(Error::DENIED));
}


void Main::retry_pending()
{
	/* what still waits queues itself again */
	std::list<Pending> retry = std::move(pending);
	pending.clear();
	for (auto &p : retry) {
		Child *client = child_by_id(p.child_id);
		if (!client || client->exited()) continue;
		route(*client, p.service, p.label, p.args, p.from_process, std::move(p.done));
	}
}


void Main::upgrade(Routed_session const &s, std::string const &args, std::function<void(Result<void>)> done)
{
	switch (s.target.kind) {
	case Session_target::Kind::PARENT:
		parent_async->call<&Parent::Session::upgrade>(std::move(done), s.target.id, args);
		return;
	case Session_target::Kind::CHILD:
		if (Child *server = child_by_name(s.target.server)) {
			if (auto *root = server->root(s.service)) {
				/* the client already paid init (Child::upgrade): init pays the server */
				server->deposit(Arg_string::number(args, "ram_quota"), Arg_string::number(args, "cap_quota"));
				root->call<&Root::Session::upgrade>(std::move(done), s.target.id, args);
				return;
			}
		}
		done(failure(Error::UNAVAILABLE));
		return;
	case Session_target::Kind::LOCAL:
	case Session_target::Kind::NONE:
		done({ });
		return;
	}
}


void Main::close(Child *client, Routed_session const &s)
{
	uint64_t const ram = s.donated_ram, caps = s.donated_caps;

	switch (s.target.kind) {
	case Session_target::Kind::PARENT: {
		/* the parent returns the donation to init; init returns it to the client */
		uint32_t const client_id = client ? client->id() : 0;
		parent_async->call<&Parent::Session::close>([this, client_id, ram, caps] (Result<void>) {
			if (Child *c = child_by_id(client_id)) c->deposit(ram, caps);
		}, s.target.id);
		break;
	}
	case Session_target::Kind::CHILD:
		if (Child *server = child_by_name(s.target.server)) {
			if (auto *root = server->root(s.service)) {
				/* once closed, the donation goes back, unless the server still uses it */
				uint32_t const client_id = client ? client->id() : 0;
				std::string const server_name = server->name();
				root->call<&Root::Session::close>([this, client_id, server_name, ram, caps] (Result<void>) {
					Child *c = child_by_id(client_id), *srv = child_by_name(server_name);
					if (c && srv) (void)srv->transfer_to(*c, ram, caps);
				}, s.target.id);
			}
		}
		break;
	case Session_target::Kind::LOCAL:
	case Session_target::Kind::NONE:
		break;
	}
	state_changed();
}


/* ---------- services exported to init's parent ---------- */

void Main::route_export(std::string const &child_name, std::string const &service, std::string const &args,
                        std::function<void(Result<Session_grant>)> done)
{
	Child *server = child_by_name(model.resolve_alias(child_name));
	if (!server || server->exited() || !server->declares(service)) {
		done(failure(Error::DENIED));
		return;
	}
	auto *root = server->root(service);
	if (!root) {
		/* the server is not up yet: try again after the next announcement */
		export_pending.push_back([this, child_name, service, args, done = std::move(done)] () mutable {
			route_export(child_name, service, args, std::move(done)); });
		return;
	}
	root->call<&Root::Session::session>(std::move(done), args);
}


void Main::close_export(std::string const &child, std::string const &service, uint32_t id)
{
	if (Child *server = child_by_name(model.resolve_alias(child)))
		if (auto *root = server->root(service))
			root->call<&Root::Session::close>([] (Result<void>) { }, id);
}


void Main::upgrade_export(std::string const &child, std::string const &service, uint32_t id,
                          std::string const &args)
{
	if (Child *server = child_by_name(model.resolve_alias(child)))
		if (auto *root = server->root(service))
			root->call<&Root::Session::upgrade>([] (Result<void>) { }, id, args);
}
