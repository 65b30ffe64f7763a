/*
 * Applying init's config to its children
 *
 * Each new config is compared with the running system: start nodes that
 * vanished are destroyed, those whose identity, binary or routes changed are
 * restarted (with the children that depend on them), and everything else is
 * updated in place — an inline <config> is re-delivered, quotas are upgraded
 * or yielded.
 */

#include "sandbox.h"

#include <algorithm>
#include <set>

#include <nestbox/init/route_resolution.h>
#include <nestbox/log.h>
#include <nestbox/util/arg_string.h>

using namespace Init;
using namespace nestbox;

/*
 * Whether the sessions of the child would now go elsewhere (to another
 * server, or with another label) or nowhere. Its binary's ROM is asked for
 * by the new binary name, so that a rename that routes to the same module
 * (by label rewriting) keeps the child running, as in Genode.
 */
Sandbox::Routes Sandbox::_routes(Child const &child, Start_node const &start) const
{
	/* the servers as the new config declares them */
	std::vector<Route_server> servers;
	_children.for_each([&] (Child const &c) {
		Start_node const *s = _model.start(c.name());
		if (s && !c.exited()) servers.push_back({ c.name(), s->provides }); });

	Routes result = Routes::VALID;
	child.for_each_session([&] (Routed_session const &s) {
		using Kind = Session_target::Kind;
		if (result == Routes::UNAVAILABLE || (s.target.kind != Kind::PARENT && s.target.kind != Kind::CHILD)) return;
		if (std::string_view(s.state) == "CLOSE_REQUESTED") return;

		std::string const &label = s.binary ? start.binary : s.client_label;
		Route_resolution const r = resolve_route(_model, start, servers, s.service, label, s.binary);
		if (r.kind != Route_resolution::Kind::PARENT && r.kind != Route_resolution::Kind::CHILD) {
			result = Routes::UNAVAILABLE;
			return;
		}
		bool const same = (r.kind == Route_resolution::Kind::PARENT && s.target.kind == Kind::PARENT)
		               || (r.kind == Route_resolution::Kind::CHILD  && s.target.kind == Kind::CHILD
		                                                            && r.server == s.target.server);
		if (!same || r.target->rewritten(s.binary ? label : Label::prefixed(child.name(), label)) != s.label)
			result = Routes::MISMATCH;
	});
	return result;
}


/*
 * A new version, or an environment that could not be routed, restarts the
 * child. Otherwise its sessions are checked when its own routing changed or
 * a server appeared or withdrew a service: one that would go elsewhere
 * restarts it; one that has no route any more leaves it running but "stuck"
 * (reported incomplete, not restarted, as in Genode); a stuck child whose
 * sessions all have a route again restarts. A child still starting is
 * restarted by a change of its own routing.
 */
Sandbox::Verdict Sandbox::_verdict(Child const &child, Start_node const &start,
                                   Config_model const &old, bool servers_changed) const
{
	Start_node const &running = child.start();
	if (running.version != start.version || child.state() == Child::State::INCOMPLETE)
		return Verdict::RESTART;

	bool const routing_changed = running.binary != start.binary || running.route != start.route
	                          || old.default_route != _model.default_route;
	if (!routing_changed && !servers_changed && !child.stuck())
		return Verdict::KEEP;

	if (child.state() != Child::State::RUNNING)
		return routing_changed ? Verdict::RESTART : Verdict::KEEP;

	switch (_routes(child, start)) {
	case Routes::UNAVAILABLE: return Verdict::STUCK;
	case Routes::MISMATCH:    return Verdict::RESTART;
	case Routes::VALID:       break;
	}
	return child.stuck() ? Verdict::RESTART : Verdict::KEEP;
}


Sandbox::Avail Sandbox::_avail() const
{
	/*
	 * Without <resource name="RAM" preserve>, init keeps Genode's default for
	 * its own sessions (the state report, for one): 320 KiB and 20 caps
	 */
	uint64_t const keep_ram  = _model.preserve_ram ? _model.preserve_ram : DEFAULT_PRESERVE_RAM;
	uint64_t const keep_caps = DEFAULT_PRESERVE_CAPS;

	auto const ram  = _env.pd().ram();
	auto const caps = _env.pd().caps();
	uint64_t const free_ram  = ram  ? ram->limit  - std::min(ram->limit,  ram->used)  : 0;
	uint64_t const free_caps = caps ? caps->limit - std::min(caps->limit, caps->used) : 0;
	return { free_ram - std::min(free_ram, keep_ram), free_caps - std::min(free_caps, keep_caps) };
}


void Sandbox::_update_quotas(bool upgrades_only)
{
	/* upgrades share what init has left, in config order */
	Avail avail = _avail();
	_children.for_each([&] (Child &child) {
		Start_node const *start = _model.start(child.name());
		if (!start || child.exited()) return;
		Start_node const &now = child.start();
		bool const up = start->ram > now.ram || start->caps > now.caps;
		if (start->ram == now.ram && start->caps == now.caps) return;
		if (upgrades_only && (!up || child.state() != Child::State::RUNNING)) return;

		uint64_t const ram = now.ram, caps = now.caps;
		child.update_quota(start->ram, start->caps, avail.ram, avail.caps);
		avail.ram  -= std::min(avail.ram,  child.start().ram  > ram  ? child.start().ram  - ram  : 0);
		avail.caps -= std::min(avail.caps, child.start().caps > caps ? child.start().caps - caps : 0);
	});
}


void Sandbox::_start_new_children()
{
	/*
	 * Create every new child before launching any, so that a client's request
	 * for a server that comes later in the config finds it (and waits for its
	 * announcement) instead of being denied. Ids follow the config order.
	 */
	/*
	 * A child gets at most what is left after those before it (and what init
	 * preserves for itself); beyond that its quota is trimmed with a warning.
	 * The PD sessions are created asynchronously, so the children of this
	 * round are subtracted here rather than seen in init's own quota.
	 */
	Avail avail = _avail();
	std::vector<Child *> created;
	for (auto const &start : _model.starts) {
		if (_children.by_name(start.name)) continue;

		/*
		 * Linux gives init no affinity space: an <affinity> has no effect,
		 * but its lack of an <affinity-space> is warned about as in Genode
		 */
		if (start.affinity && !_model.affinity_space)
			warning("affinity-space configuration missing, but affinity defined for child ", start.name);

		Child_observer &observer = *this;
		Child &child = _children.create(_env, _routing, observer, _changes, start);
		child.trim_quota(avail.ram, avail.caps);
		avail.ram  -= child.start().ram;
		avail.caps -= child.start().caps;
		created.push_back(&child);
	}
	for (Child *child : created) _start_queue.push_back(child->id());
	_launch_queued();
}


void Sandbox::_launch_queued()
{
	/* a child may settle while being launched (a route answered at once) */
	if (_launching) return;
	_launching = true;
	while (_starting.size() < MAX_STARTING && !_start_queue.empty()) {
		uint32_t const id = _start_queue.front();
		_start_queue.pop_front();
		Child *child = _children.by_id(id);
		if (!child || child->launched()) continue;   /* destroyed meanwhile */
		if (_model.verbose) log("start \"", child->name(), "\"");
		_starting.insert(id);
		child->launch();
	}
	_launching = false;
}


void Sandbox::child_settled(Child &child)
{
	if (_starting.erase(child.id())) _launch_queued();
}


void Sandbox::_destroy(Child &child, bool restart)
{
	if (_model.verbose) log(restart ? "restart \"" : "destroy \"", child.name(), "\"");
	bool const held_slot = _starting.erase(child.id()) > 0;
	_children.destroy(child);
	if (held_slot) _env.ep().schedule([this] { _launch_queued(); });

	/* requests waiting for it are answered now (denied, or served by a new instance) */
	_env.ep().schedule([this] { _routing.retry_pending(); });
}


/* in cascade: the clients of a server that goes restart as well */
void Sandbox::_add_clients(std::set<std::string> &doomed) const
{
	for (bool grew = true; grew; ) {
		grew = false;
		_children.for_each([&] (Child const &child) {
			if (doomed.count(child.name())) return;
			bool depends = false;
			child.for_each_session([&] (Routed_session const &s) {
				if (s.target.kind == Session_target::Kind::CHILD && doomed.count(s.target.server))
					depends = true; });
			if (depends) { doomed.insert(child.name()); grew = true; } });
	}
}


void Sandbox::apply_config(Config_model &&config)
{
	Config_model old = std::move(_model);
	_model = std::move(config);

	/* a server appeared or a staying one changed what it provides */
	bool servers_changed = false;
	for (auto const &start : _model.starts)
		if (!start.provides.empty() && !_children.by_name(start.name)) servers_changed = true;
	_children.for_each([&] (Child const &child) {
		Start_node const *start = _model.start(child.name());
		if (start && start->provides != child.start().provides) servers_changed = true; });

	/* decide what goes and what restarts before touching anything */
	std::set<std::string> doomed;
	std::vector<Child *>  stuck;
	_children.for_each([&] (Child &child) {
		Start_node const *start = _model.start(child.name());
		if (!start) { doomed.insert(child.name()); return; }
		switch (_verdict(child, *start, old, servers_changed)) {
		case Verdict::KEEP:    break;
		case Verdict::RESTART: doomed.insert(child.name()); break;
		case Verdict::STUCK:   stuck.push_back(&child); break;
		} });

	_add_clients(doomed);

	/* a client that restarts with its server anyway is not stuck */
	for (Child *child : stuck) {
		if (doomed.count(child->name()) || child->stuck()) continue;
		warning("\"", child->name(), "\" is incomplete: a session of it has no route any more");
		child->mark_stuck();
	}
	_restarts.apply_config({ doomed.begin(), doomed.end() });

	for (std::string const &name : doomed)
		if (Child *child = _children.by_name(name))
			_destroy(*child, _model.start(name) != nullptr);

	/* what stays is updated in place */
	_children.for_each([&] (Child &child) {
		Start_node const &start = *_model.start(child.name());
		child.update_routing(start);
		child.update_config(start.config);
		child.update_provides(start.provides);
		child.update_heartbeat(start.restart_after_skipped); });
	_update_quotas(false);

	_start_new_children();
	_server.apply_config();
	_server.retry_pending();
	_routing.retry_pending();
	_state_report.apply_config();
	_heartbeat.apply_config();
	_changes.trigger_report();
}


void Sandbox::child_announced(Child &)
{
	_routing.retry_pending();
	_server.retry_pending();
	_changes.trigger_report();
}


void Sandbox::child_exited(Child &child)
{
	_restarts.child_exited(child);

	/* what waited for its services is denied now */
	_routing.retry_pending();
	_server.retry_pending();
	_changes.trigger_report();
}


void Sandbox::restart_hung(std::vector<std::string> const &names)
{
	for (auto const &name : names) {
		if (Child *child = _children.by_name(name)) {
			warning("\"", name, "\" skipped ", child->skipped_heartbeats(), " heartbeats: restarting it");
			_destroy(*child, true);
		}
	}
	_start_new_children();
}


void Sandbox::restart_crashed(std::vector<std::string> const &names)
{
	std::set<std::string> doomed;
	for (auto const &name : names)
		if (Child *child = _children.by_name(name); child && child->exited()) doomed.insert(name);
	std::set<std::string> const crashed = doomed;

	/*
	 * Its clients hold sessions to the dead instance: they start anew with
	 * it. A child left incomplete may have been denied a session while the
	 * server was down: it is tried again as well.
	 */
	_add_clients(doomed);
	_children.for_each([&] (Child const &child) {
		if (child.state() == Child::State::INCOMPLETE) doomed.insert(child.name()); });
	for (std::string const &name : crashed) log("restarting \"", name, "\"");
	for (std::string const &name : doomed) {
		Child const *child = _children.by_name(name);
		if (crashed.count(name) || !child) continue;
		if (child->state() == Child::State::INCOMPLETE) log("trying incomplete \"", name, "\" again");
		else log("restarting \"", name, "\" with the server it depends on");
	}

	for (std::string const &name : doomed)
		if (Child *child = _children.by_name(name)) _destroy(*child, true);
	_start_new_children();
}
