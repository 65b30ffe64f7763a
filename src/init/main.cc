/*
 * init: starts the children of its config and routes their session requests
 *
 * Requests are routed by the rules of the config (the child's <route>, then
 * <default-route>) to init's parent, to a child that provides the service,
 * or to init itself (a child's inline config). Every forwarded request is
 * asynchronous: a server that hangs delays only the clients waiting for it.
 */

#include <list>

#include <nestbox/component.h>
#include <nestbox/log.h>
#include <nestbox/util/arg_string.h>

#include "child.h"
#include "config_model.h"

using namespace nestbox;

namespace Init { struct Main; }

struct Init::Main : Router
{
	Env &env;

	Attached_rom config_rom { env, "config" };

	Config_model model { };

	/* init's own second channel to its parent, for requests it must not wait on */
	std::unique_ptr<Async_rpc_client<Parent::Session>> parent_async { };

	std::list<std::unique_ptr<Child>> children { };
	uint32_t                          next_child_id = 1;

	/* requests waiting for a server that has not announced its service yet */
	struct Pending
	{
		uint32_t    child_id;
		std::string service, label, args;
		Route_done  done;
	};
	std::list<Pending> pending { };

	Child *child_by_name(std::string_view name)
	{
		for (auto &c : children) if (c->name() == name) return c.get();
		return nullptr;
	}

	Child *child_by_id(uint32_t id)
	{
		for (auto &c : children) if (c->id() == id) return c.get();
		return nullptr;
	}

	/* The rules that apply to a request: the child's route, then the default route */
	Route_rule const *matching_rule(Child const &child, std::string_view service,
	                                std::string_view label, std::string_view unscoped) const
	{
		for (Route const *route : { &child.start().route, &model.default_route })
			for (auto const &rule : *route)
				if (rule.matches(service, label, unscoped)) return &rule;
		return nullptr;
	}

	enum class Attempt { FORWARDED, WAITING, UNAVAILABLE };

	/* Try one target; 'done' is called later if the request was forwarded */
	Attempt try_target(Child &client, Route_target const &target, std::string const &service,
	                   std::string const &label, std::string const &args, Route_done &done)
	{
		std::string const routed_label = target.label ? *target.label : label;
		std::string const full_label   = Label::prefixed(client.name(), routed_label);
		uint32_t    const client_id    = client.id();

		auto deliver = [this, client_id, service, full_label] (Session_target where, auto &done) {
			return [this, client_id, service, full_label, where, done = std::move(done)]
			       (Result<Session_grant> r) mutable {
				Routed_session session { service, full_label, where };
				if (r) session.target.id = r->id;
				Child *c = child_by_id(client_id);
				if (!c) { if (r) close(session); return; }
				if (!r) { done(failure(r.error())); return; }
				done(Granted { std::move(session), std::move(r->cap) });
			};
		};

		if (target.kind == Route_target::Kind::PARENT) {
			if (!model.parent_provides.count(service)) {
				warning("\"", client.name(), "\": service \"", service, "\" is not in <parent-provides>");
				return Attempt::UNAVAILABLE;
			}
			parent_async->call<&Parent::Session::session>(
				deliver(Session_target { Session_target::Kind::PARENT, { }, 0 }, done),
				service, full_label, args);
			return Attempt::FORWARDED;
		}

		Child *server = nullptr;
		if (target.kind == Route_target::Kind::CHILD) {
			server = child_by_name(target.child);
		} else {
			/* <any-child>: exactly one child may provide the service */
			for (auto &c : children) {
				if (!c->declares(service) || c->exited()) continue;
				if (server) {
					warning("\"", client.name(), "\": ambiguous <any-child/> route to \"", service, "\"");
					return Attempt::UNAVAILABLE;
				}
				server = c.get();
			}
		}
		if (!server || server->exited() || !server->declares(service))
			return Attempt::UNAVAILABLE;

		auto *root = server->root(service);
		if (!root) return Attempt::WAITING;

		root->call<&Root::Session::session>(
			deliver(Session_target { Session_target::Kind::CHILD, server->name(), 0 }, done),
			Arg_string::set_string(args, "label", full_label));
		return Attempt::FORWARDED;
	}

	/* Router */
	void route(Child &client, std::string const &service, std::string const &label,
	           std::string const &args, Route_done done) override
	{
		/* the inline <config> of a start node is init's to serve */
		if (service == "ROM" && label == "config" && client.has_inline_config()) {
			done(client.open_config_rom());
			return;
		}

		/* the binary, requested with the child's name, is its <binary> */
		std::string const full_label = Label::prefixed(client.name(), label);

		Route_rule const *rule = matching_rule(client, service, label, full_label);
		if (!rule) {
			warning("\"", client.name(), "\": no route to service \"", service, "\" (label=\"", label, "\")");
			done(failure(Error::DENIED));
			return;
		}

		bool waiting = false;
		for (auto const &target : rule->targets) {
			switch (try_target(client, target, service, label, args, done)) {
			case Attempt::FORWARDED:   return;
			case Attempt::WAITING:     waiting = true; break;
			case Attempt::UNAVAILABLE: break;
			}
			if (waiting) break;
		}

		if (waiting) {
			pending.push_back(Pending { client.id(), service, label, args, std::move(done) });
			return;
		}
		warning("\"", client.name(), "\": service \"", service, "\" (label=\"", label, "\") is unavailable");
		done(failure(Error::DENIED));
	}

	void announced(Child &) override
	{
		/* retry everything that waits; what still waits queues itself again */
		std::list<Pending> retry = std::move(pending);
		pending.clear();
		for (auto &p : retry) {
			Child *client = child_by_id(p.child_id);
			if (!client || client->exited()) continue;
			route(*client, p.service, p.label, p.args, std::move(p.done));
		}
	}

	void upgrade(Routed_session const &s, std::string const &args) override
	{
		auto ignore = [] (Result<void>) { };
		switch (s.target.kind) {
		case Session_target::Kind::PARENT:
			parent_async->call<&Parent::Session::upgrade>(ignore, s.target.id, args);
			break;
		case Session_target::Kind::CHILD:
			if (Child *server = child_by_name(s.target.server))
				if (auto *root = server->root(s.service))
					root->call<&Root::Session::upgrade>(ignore, s.target.id, args);
			break;
		case Session_target::Kind::LOCAL: break;
		}
	}

	void close(Routed_session const &s) override
	{
		auto ignore = [] (Result<void>) { };
		switch (s.target.kind) {
		case Session_target::Kind::PARENT:
			parent_async->call<&Parent::Session::close>(ignore, s.target.id);
			break;
		case Session_target::Kind::CHILD:
			if (Child *server = child_by_name(s.target.server))
				if (auto *root = server->root(s.service))
					root->call<&Root::Session::close>(ignore, s.target.id);
			break;
		case Session_target::Kind::LOCAL: break;
		}
	}

	void apply_config()
	{
		Config_error problem { };
		auto parsed = parse_config(config_rom.text(), problem);
		if (!parsed) {
			error("config rejected at byte ", problem.offset, ": ", problem.message);
			return;
		}
		model = std::move(*parsed);

		for (auto const &start : model.starts) {
			if (child_by_name(start.name)) continue;
			children.push_back(std::make_unique<Child>(env, *this, start, next_child_id++));
		}
		for (auto &child : children)
			if (child->state() == Child::State::STARTING) child->start();
	}

	Main(Env &env) : env(env)
	{
		auto channel = copy(env.parent().cap());
		if (!channel) {
			error("no second channel to the parent: ", error_name(channel.error()));
			env.exit(1);
		}
		parent_async = std::make_unique<Async_rpc_client<Parent::Session>>(env.ep(), std::move(*channel));
		apply_config();
	}
};


void nestbox::construct(Env &env) { static Init::Main main(env); }
