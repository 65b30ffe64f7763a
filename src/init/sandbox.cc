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

#include <set>

#include <nestbox/log.h>
#include <nestbox/util/arg_string.h>

using namespace Init;
using namespace nestbox;

bool Sandbox::_needs_restart(Child const &child, Start_node const &start, Config_model const &old) const
{
	Start_node const &running = child.start();
	return running.version != start.version
	    || running.binary  != start.binary
	    || running.route   != start.route
	    || old.default_route != _model.default_route
	    || child.state() == Child::State::INCOMPLETE;
}


void Sandbox::_start_new_children()
{
	/*
	 * Create every new child before launching any, so that a client's request
	 * for a server that comes later in the config finds it (and waits for its
	 * announcement) instead of being denied. Ids follow the config order.
	 */
	std::vector<Child *> created;
	for (auto const &start : _model.starts) {
		if (_children.by_name(start.name)) continue;

		/* init keeps what <resource name="RAM" preserve> asks for */
		if (_model.preserve_ram) {
			auto own = _env.pd().ram();
			if (own && own->limit - own->used < start.ram + _model.preserve_ram) {
				warning("\"", start.name, "\": not enough RAM left (", Arg_string::format_size(start.ram),
				        " requested, ", Arg_string::format_size(_model.preserve_ram), " preserved for init)");
			}
		}
		Child_observer &observer = *this;
		created.push_back(&_children.create(_env, _routing, observer, _changes, start));
	}
	for (Child *child : created) {
		if (_model.verbose) log("start \"", child->name(), "\"");
		child->launch();
	}
}


void Sandbox::_destroy(Child &child, bool restart)
{
	if (_model.verbose) log(restart ? "restart \"" : "destroy \"", child.name(), "\"");
	_children.destroy(child);

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

	/* decide what goes and what restarts before touching anything */
	std::set<std::string> doomed;
	_children.for_each([&] (Child const &child) {
		Start_node const *start = _model.start(child.name());
		if (!start || _needs_restart(child, *start, old))
			doomed.insert(child.name()); });

	_add_clients(doomed);
	_restarts.apply_config({ doomed.begin(), doomed.end() });

	for (std::string const &name : doomed)
		if (Child *child = _children.by_name(name))
			_destroy(*child, _model.start(name) != nullptr);

	/* what stays is updated in place */
	_children.for_each([&] (Child &child) {
		Start_node const &start = *_model.start(child.name());
		child.update_config(start.config);
		child.update_provides(start.provides);
		child.update_heartbeat(start.restart_after_skipped);
		if (start.ram != child.start().ram || start.caps != child.start().caps)
			child.update_quota(start.ram, start.caps); });

	_start_new_children();
	_server.apply_config();
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
