/*
 * init: starts the children of its config and routes their session requests
 *
 * The config is a ROM that may change at any time. Each new version is
 * compared with the running system: start nodes that vanished are destroyed,
 * those whose identity, binary or routes changed are restarted (with the
 * children that depend on them), and everything else is updated in place —
 * an inline <config> is re-delivered, quotas are upgraded or yielded.
 */

#include <set>

#include <nestbox/log.h>
#include <nestbox/manifest.h>

#include "init.h"

/*
 * Timer for <heartbeat> and the report delay, Report for <report>. What a
 * nested init provides is what its config exports.
 */
NESTBOX_MANIFEST(R"(
	<manifest>
		<requires>
			<service name="Timer" optional="yes"/>
			<service name="Report" label="state" optional="yes"/>
		</requires>
		<provides per_config="yes"/>
	</manifest>)");

using namespace Init;
using namespace nestbox;

Child *Main::child_by_name(std::string_view name)
{
	for (auto &c : children) if (c->name() == name) return c.get();
	return nullptr;
}


Child *Main::child_by_id(uint32_t id)
{
	for (auto &c : children) if (c->id() == id) return c.get();
	return nullptr;
}


bool Main::needs_restart(Child const &child, Start_node const &start, Config_model const &old) const
{
	Start_node const &running = child.start();
	return running.version != start.version
	    || running.binary  != start.binary
	    || running.route   != start.route
	    || old.default_route != model.default_route
	    || child.state() == Child::State::INCOMPLETE;
}


void Main::start_new_children()
{
	/*
	 * Create every new child before launching any, so that a client's request
	 * for a server that comes later in the config finds it (and waits for its
	 * announcement) instead of being denied. Ids follow the config order.
	 */
	std::vector<Child *> created;
	for (auto const &start : model.starts) {
		if (child_by_name(start.name)) continue;

		/* init keeps what <resource name="RAM" preserve> asks for */
		if (model.preserve_ram) {
			auto own = env.pd().ram();
			if (own && own->limit - own->used < start.ram + model.preserve_ram) {
				warning("\"", start.name, "\": not enough RAM left (", Arg_string::format_size(start.ram),
				        " requested, ", Arg_string::format_size(model.preserve_ram), " preserved for init)");
			}
		}
		children.push_back(std::make_unique<Child>(env, *this, start, next_child_id++));
		created.push_back(children.back().get());
	}
	for (Child *child : created) {
		if (model.verbose) log("start \"", child->name(), "\"");
		child->launch();
	}
}


void Main::destroy(Child &child, bool restart)
{
	if (model.verbose) log(restart ? "restart \"" : "destroy \"", child.name(), "\"");
	children.remove_if([&] (auto const &c) { return c.get() == &child; });

	/* requests waiting for it are answered now (denied, or served by a new instance) */
	env.ep().schedule([this] { retry_pending(); });
}


void Main::apply_config(Config_model &&new_model)
{
	Config_model old = std::move(model);
	model = std::move(new_model);

	/* decide what goes and what restarts before touching anything */
	std::set<std::string> doomed;
	for (auto &child : children) {
		Start_node const *start = model.start(child->name());
		if (!start || needs_restart(*child, *start, old))
			doomed.insert(child->name());
	}

	/* in cascade: the clients of a server that goes restart as well */
	for (bool grew = true; grew; ) {
		grew = false;
		for (auto &child : children) {
			if (doomed.count(child->name())) continue;
			bool depends = false;
			child->for_each_session([&] (Routed_session const &s) {
				if (s.target.kind == Session_target::Kind::CHILD && doomed.count(s.target.server))
					depends = true; });
			if (depends) { doomed.insert(child->name()); grew = true; }
		}
	}

	for (std::string const &name : doomed)
		if (Child *child = child_by_name(name))
			destroy(*child, model.start(name) != nullptr);

	/* what stays is updated in place */
	for (auto &child : children) {
		Start_node const &start = *model.start(child->name());
		child->update_config(start.config);
		child->update_provides(start.provides);
		child->update_heartbeat(start.restart_after_skipped);
		if (start.ram != child->start().ram || start.caps != child->start().caps)
			child->update_quota(start.ram, start.caps);
	}

	start_new_children();
	update_exports();
	retry_pending();

	/* the state report follows the config's <report> */
	if (!model.report) state_reporter.reset();
	else if (!state_reporter || report_buffer != model.report->buffer) {
		state_reporter.reset();
		state_reporter.emplace(env, "state", model.report->buffer);
		report_buffer = model.report->buffer;
	}
	if (model.heartbeat_ms && !next_heartbeat_us) {
		if (!timer) { timer.emplace(env); (void)timer->sigh(timer_handler.cap()); }
		auto now = timer->elapsed_us();
		next_heartbeat_us = (now ? *now : 0) + model.heartbeat_ms * 1000;
	}
	if (!model.heartbeat_ms) next_heartbeat_us = 0;
	state_changed();
}


void Main::handle_config()
{
	config_rom.update();
	std::string_view const text = config_rom.text();

	Config_error problem { };
	auto parsed = parse_config(text, problem);
	if (!parsed) {
		/* pugixml points at a node's name; point at its '<' as core does */
		if (problem.offset > 0 && problem.offset <= text.size() && text[problem.offset - 1] == '<')
			problem.offset--;
		unsigned line = 1, column = 1;
		for (size_t i = 0; i < problem.offset && i < text.size(); i++)
			if (text[i] == '\n') { line++; column = 1; } else column++;
		error("config:", line, ":", column, ": ", problem.message, " (config rejected, the previous one stays in force)");
		return;
	}
	apply_config(std::move(*parsed));
}


void Main::services_changed(Child &)
{
	retry_pending();
	auto retry = std::move(export_pending);
	export_pending.clear();
	for (auto &fn : retry) fn();
	state_changed();
}


void Main::update_exports()
{
	/* a <service> that vanished from the config is no longer offered */
	exports.remove_if([&] (auto const &e) {
		for (auto const &s : model.services) if (s.name == e->name()) return false;
		return true; });

	for (auto const &s : model.services) {
		bool known = false;
		for (auto &e : exports)
			if (e->name() == s.name) { e->update(s); known = true; }
		if (known) continue;

		exports.push_back(std::make_unique<Export_root>(*this, s));
		auto cap = manage(env.ep(), *exports.back());
		if (!cap || !env.parent().announce(s.name, std::move(*cap)))
			warning("cannot offer service \"", s.name, "\" to the parent");
	}
}


Main::Main(Env &env) : env(env)
{
	auto channel = copy(env.parent().cap());
	if (!channel) {
		error("no second channel to the parent: ", error_name(channel.error()));
		env.exit(1);
	}
	parent_async = std::make_unique<Async_rpc_client<Parent::Session>>(env.ep(), std::move(*channel));

	config_rom.sigh(config_handler.cap());
	handle_config();
}


void nestbox::construct(Env &env) { static Init::Main main(env); }
