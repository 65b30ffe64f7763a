/*
 * Routing of session requests
 *
 * A request is resolved against the child's <route>, then <default-route>
 * (Init::resolve_route). A target child that exists but has not announced
 * the service yet makes the request wait. Forwarding is asynchronous
 * throughout.
 *
 * Quota that a child passes with a request (ram_quota, cap_quota) is taken
 * from the child's PD and handed to the server; it flows back on close.
 */

#include "routing.h"

#include <nestbox/log.h>
#include <nestbox/util/arg_string.h>

#include <nestbox/init/route_resolution.h>

using namespace Init;
using namespace nestbox;

Routing::Routing(Env &env, Config_model const &model, Children &children, Report_trigger &report)
: _model(model), _children(children), _report(report)
{
	auto channel = copy(env.parent().cap());
	if (!channel) {
		error("no second channel to the parent: ", error_name(channel.error()));
		env.exit(1);
	}
	/* init may wait for its parent: a burst of requests at start is queued, not refused */
	_parent = std::make_unique<Async_rpc_client<Parent::Session>>(env.ep(), std::move(*channel),
	                                                               Send_queue::Bound::TOWARDS_PARENT);
}


void Routing::_forward(Child &client, Route_target const &target, Child *server, std::string const &service,
                       std::string const &label, std::string const &args, bool from_process, Route_done done)
{
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
		return;
	}

	/* the binary's ROM is asked for by the binary's name alone, as in Genode */
	bool const binary_rom = !from_process && service == "ROM";
	std::string const server_label = target.rewritten(binary_rom ? label : Label::prefixed(client.name(), label));
	uint32_t    const client_id    = client.id();
	Session_target const where { server ? Session_target::Kind::CHILD : Session_target::Kind::PARENT,
	                             server ? server->name() : std::string(), 0 };

	auto deliver = [this, client_id, service, label, server_label, args, where, ram, caps, done = std::move(done)]
	               (Result<Session_grant> r) mutable {
		Routed_session session { service, server_label, args, where, ram, caps, "CAP_HANDED_OUT", label };
		if (r) session.target.id = r->id;

		Child *c = _children.by_id(client_id);
		if (!c) {
			/* the client is gone: don't leave the session behind at the server */
			if (r) close(nullptr, session);
			return;
		}
		if (!r) {
			/* refused: the donation goes back */
			Child *s = where.kind == Session_target::Kind::CHILD ? _children.by_name(where.server) : nullptr;
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
		_parent->call<&Parent::Session::session>(std::move(deliver), service, server_label, args);
}


void Routing::route(Child &client, std::string const &service, std::string const &label,
                    std::string const &args_in, bool from_process, Route_done done)
{
	/*
	 * Host resources are granted by init's own config only: a child (say, a
	 * nested init) cannot grant them by asking for a PD session with them.
	 */
	std::string const args = from_process ? Arg_string::remove(args_in, "host") : args_in;

	/* a route may lead to any child that has not exited */
	std::vector<Route_server> servers;
	_children.for_each([&] (Child const &c) {
		if (!c.exited()) servers.push_back({ c.name(), c.start().provides }); });

	/* init asks for the child's binary itself, as its only ROM environment session */
	bool const binary_rom = !from_process && service == "ROM";
	Route_resolution const r = resolve_route(_model, client.start(), servers, service, label, binary_rom);

	for (Skipped_target const &skipped : r.skipped) {
		if (skipped.why == Skipped_target::Why::NOT_IN_PARENT_PROVIDES)
			warning("\"", client.name(), "\": service \"", service, "\" is not in <parent-provides>");
		if (skipped.why == Skipped_target::Why::AMBIGUOUS)
			warning("\"", client.name(), "\": ambiguous <any-child/> route to \"", service, "\"");
	}

	switch (r.kind) {
	case Route_resolution::Kind::INIT:
		/* the inline <config> of a start node is init's to serve */
		done(client.open_config_rom());
		return;

	case Route_resolution::Kind::NO_RULE:
		warning("\"", client.name(), "\": no route to service \"", service, "\" (label=\"", label, "\")");
		done(failure(Error::DENIED));
		return;

	case Route_resolution::Kind::UNAVAILABLE:
		warning("\"", client.name(), "\": service \"", service, "\" (label=\"", label, "\") is unavailable");
		done(failure(Error::DENIED));
		return;

	case Route_resolution::Kind::PARENT:
		_forward(client, *r.target, nullptr, service, label, args, from_process, std::move(done));
		return;

	case Route_resolution::Kind::CHILD: {
		/* a start that waits for another child no longer holds up the next ones */
		if (!from_process) client.env_waits_for_child();

		Child *server = _children.by_name(r.server);
		if (server && server->root(service)) {
			_forward(client, *r.target, server, service, label, args, from_process, std::move(done));
			return;
		}
		/* the server has not announced the service yet: the request waits for it */
		_pending.push_back(Pending { client.id(), service, label, args, from_process, std::move(done) });
		return;
	}
	}
}


void Routing::retry_pending()
{
	/* what still waits queues itself again */
	std::list<Pending> retry = std::move(_pending);
	_pending.clear();
	for (auto &p : retry) {
		Child *client = _children.by_id(p.child_id);
		if (!client || client->exited()) continue;
		route(*client, p.service, p.label, p.args, p.from_process, std::move(p.done));
	}
}


void Routing::upgrade(Routed_session const &s, std::string const &args, std::function<void(Result<void>)> done)
{
	switch (s.target.kind) {
	case Session_target::Kind::PARENT:
		_parent->call<&Parent::Session::upgrade>(std::move(done), s.target.id, args);
		return;
	case Session_target::Kind::CHILD:
		if (Child *server = _children.by_name(s.target.server)) {
			if (server->root(s.service)) {
				/*
				 * The client already paid init (Child::upgrade): init pays the
				 * server, and the upgrade follows once the quota has arrived
				 */
				std::string const server_name = server->name(), service = s.service;
				uint32_t const id = s.target.id;
				server->deposit(Arg_string::number(args, "ram_quota"), Arg_string::number(args, "cap_quota"),
				                [this, server_name, service, id, args, done = std::move(done)] () mutable {
					Child *srv = _children.by_name(server_name);
					auto *root = srv ? srv->root(service) : nullptr;
					if (!root) { done(failure(Error::UNAVAILABLE)); return; }
					root->call<&Root::Session::upgrade>(std::move(done), id, args); });
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


void Routing::close(Child *client, Routed_session const &s, std::function<void()> closed)
{
	uint64_t const ram = s.donated_ram, caps = s.donated_caps;

	switch (s.target.kind) {
	case Session_target::Kind::PARENT: {
		/* the parent returns the donation to init; init returns it to the client */
		uint32_t const client_id = client ? client->id() : 0;
		_parent->call<&Parent::Session::close>([this, client_id, ram, caps, closed = std::move(closed)] (Result<void>) {
			if (Child *c = _children.by_id(client_id)) c->deposit(ram, caps);
			if (quota_returned) quota_returned();
			closed();
		}, s.target.id);
		_report.trigger_report();
		return;
	}
	case Session_target::Kind::CHILD:
		if (Child *server = _children.by_name(s.target.server)) {
			if (auto *root = server->root(s.service)) {
				/* once closed, the donation goes back, unless the server still uses it */
				uint32_t const client_id = client ? client->id() : 0;
				std::string const server_name = server->name();
				root->call<&Root::Session::close>([this, client_id, server_name, ram, caps,
				                                   closed = std::move(closed)] (Result<void>) {
					Child *c = _children.by_id(client_id), *srv = _children.by_name(server_name);
					if (c && srv) (void)srv->transfer_to(*c, ram, caps);
					closed();
				}, s.target.id);
				_report.trigger_report();
				return;
			}
		}
		break;
	case Session_target::Kind::LOCAL:
	case Session_target::Kind::NONE:
		break;
	}
	closed();
	_report.trigger_report();
}


void Routing::tell_parent_idle(int value)
{
	if (_parent) _parent->call<&Parent::Session::idle>([] (auto) { }, int32_t(value));
}
