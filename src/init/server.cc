/*
 * Services that init offers to its parent on behalf of its children
 */

#include "server.h"

#include <nestbox/log.h>
#include <nestbox/util/arg_string.h>

using namespace Init;
using namespace nestbox;

Result<Session_grant> Export_root::session(std::string_view args)
{
	_forward(std::string(args), defer_reply());
	return failure(Error::UNAVAILABLE);   /* not sent: the reply is deferred */
}


void Export_root::_forward(std::string const &args, Deferred_reply reply)
{
	auto deny = [] (Deferred_reply &reply, Error e) {
		reply.send([e] (Msg_writer &w) { Marshal<Result<Session_grant>>::put(w, failure(e)); }); };

	std::string const label = Arg_string::string(args, "label");
	Service_export::Policy const *policy = _export.select(label);
	if (!policy) {
		warning("no policy of service \"", _export.name, "\" matches label \"", label, "\"");
		deny(reply, Error::DENIED);
		return;
	}

	std::string const forwarded_args = policy->rewrite_label
		? Arg_string::set_string(args, "label", *policy->rewrite_label) : args;

	uint32_t const id = _next_id;
	std::string const child = policy->child;
	std::weak_ptr<bool> const alive = _alive;

	bool const taken = _router.route_export(child, _export.name, forwarded_args,
	                                        [this, alive, reply, id, child, label, deny] (Result<Session_grant> r) mutable {
		if (alive.expired() && r) r = failure(Error::DENIED);
		if (!r) { deny(reply, r.error()); return; }
		_sessions[id] = Forwarded { child, r->id, label };
		Session_grant grant { id, std::move(r->cap) };
		reply.send([&grant] (Msg_writer &w) { Marshal<Result<Session_grant>>::put(w, std::move(grant)); });
	});
	if (taken) _next_id++;
	else       _held.push_back({ args, std::move(reply) });
}


void Export_root::retry()
{
	std::list<Held> held = std::move(_held);
	_held.clear();
	for (Held &h : held) _forward(h.args, std::move(h.reply));
}


Result<void> Export_root::upgrade(uint32_t id, std::string_view args)
{
	auto it = _sessions.find(id);
	if (it == _sessions.end()) return failure(Error::INVALID_ARGS);
	/* answered once the server has it, so that the client's next call cannot overtake it */
	Deferred_reply reply = defer_reply();
	_router.upgrade_export(it->second.child, _export.name, it->second.id, std::string(args), [reply] () mutable {
		reply.send([] (Msg_writer &w) { Marshal<Result<void>>::put(w, Result<void> { }); }); });
	return failure(Error::UNAVAILABLE);   /* not sent: the reply is deferred */
}


Result<void> Export_root::close(uint32_t id)
{
	auto it = _sessions.find(id);
	if (it == _sessions.end()) return failure(Error::INVALID_ARGS);

	/* answered once the server has closed it, so that the parent's order holds */
	Deferred_reply reply = defer_reply();
	_router.close_export(it->second.child, _export.name, it->second.id, [reply] () mutable {
		reply.send([] (Msg_writer &w) { Marshal<Result<void>>::put(w, Result<void> { }); }); });
	_sessions.erase(it);
	return failure(Error::UNAVAILABLE);   /* not sent: the reply is deferred */
}


void Export_root::close_all()
{
	for (Held &h : _held)
		h.reply.send([] (Msg_writer &w) { Marshal<Result<Session_grant>>::put(w, failure(Error::DENIED)); });
	_held.clear();

	for (auto const &[id, f] : _sessions)
		_router.close_export(f.child, _export.name, f.id, [] { });
	_sessions.clear();
}


void Export_root::update(Service_export const &e)
{
	_export = e;
	for (auto it = _sessions.begin(); it != _sessions.end(); ) {
		Service_export::Policy const *policy = _export.select(it->second.label);
		if (policy && policy->child == it->second.child) { ++it; continue; }
		_router.close_export(it->second.child, _export.name, it->second.id, [] { });
		it = _sessions.erase(it);
	}
}


/* ---------- the set of exports ---------- */

void Server::apply_config()
{
	/* a <service> that vanished from the config is no longer offered, its sessions close */
	_exports.remove_if([&] (auto const &e) {
		for (auto const &s : _model.services) if (s.name == e->name()) return false;
		e->close_all();
		return true; });

	for (auto const &s : _model.services) {
		bool known = false;
		for (auto &e : _exports)
			if (e->name() == s.name) { e->update(s); known = true; }
		if (known) continue;

		Export_router &router = *this;
		_exports.push_back(std::make_unique<Export_root>(router, s));
		auto cap = manage(_env.ep(), *_exports.back());
		if (!cap || !_env.parent().announce(s.name, std::move(*cap)))
			warning("cannot offer service \"", s.name, "\" to the parent");
	}
}


void Server::retry_pending()
{
	for (auto &e : _exports) e->retry();
}


bool Server::route_export(std::string const &child_name, std::string const &service, std::string const &args,
                          std::function<void(Result<Session_grant>)> done)
{
	Child *server = _children.by_name(_model.resolve_alias(child_name));
	if (server && server->exited()) {
		done(failure(Error::DENIED));
		return true;
	}

	/*
	 * A policy's server that does not exist yet, does not declare the
	 * service yet or has not announced it yet may still come: as in
	 * Genode's init, the request is held (not denied).
	 */
	auto *root = server && server->declares(service) ? server->root(service) : nullptr;
	if (!root) return false;

	root->call<&Root::Session::session>(std::move(done), args);
	return true;
}


void Server::close_export(std::string const &child, std::string const &service, uint32_t id,
                          std::function<void()> closed)
{
	if (Child *server = _children.by_name(_model.resolve_alias(child))) {
		if (auto *root = server->root(service)) {
			root->call<&Root::Session::close>([closed = std::move(closed)] (Result<void>) { closed(); }, id);
			return;
		}
	}
	closed();
}


void Server::upgrade_export(std::string const &child, std::string const &service, uint32_t id,
                            std::string const &args, std::function<void()> done)
{
	/* the parent paid init; init pays the server, as for its own children's sessions */
	Child *server = _children.by_name(_model.resolve_alias(child));
	if (!server) { done(); return; }

	/* the upgrade follows once the quota has arrived, so that the server can use it */
	server->deposit(Arg_string::number(args, "ram_quota"), Arg_string::number(args, "cap_quota"),
	                [this, child, service, id, args, done = std::move(done)] {
		Child *s = _children.by_name(_model.resolve_alias(child));
		auto *root = s ? s->root(service) : nullptr;
		if (!root) { done(); return; }
		root->call<&Root::Session::upgrade>([done] (Result<void>) { done(); }, id, args); });
}
