/*
 * init's children as a whole, driven by a config (Genode's sandbox, in small)
 *
 * The sandbox holds the parts of init and applies each new config to them:
 * the children, their routing, the services offered to init's parent, the
 * state report and the heartbeat. It is the only part that knows them all;
 * each part below it knows the ones it needs, and the parts above it only by
 * the narrow interfaces the sandbox implements (Child_observer, the two
 * Restarters).
 */
#pragma once

#include <deque>
#include <set>

#include <nestbox/init/config_model.h>

#include "children.h"
#include "heartbeat.h"
#include "idle.h"
#include "restart.h"
#include "routing.h"
#include "server.h"
#include "state_report.h"
#include "timeouts.h"

namespace Init { class Sandbox; }

class Init::Sandbox : private Child_observer, private Heartbeat::Restarter, private Restarts::Restarter
{
	private:

		nestbox::Env &_env;
		Config_model  _model { };   /* the config in force; the parts below refer to it */

		Timeouts     _timeouts { _env };

		/*
		 * The parts only keep a reference to '_children' while constructed. The
		 * children come last so that they go first: a child that is destroyed
		 * closes its sessions through the routing and triggers a report.
		 * The heartbeat is called before the state report when the timer fires.
		 */
		Heartbeat    _heartbeat    { _model, _children, _timeouts, *this };
		Restarts     _restarts     { _model, _timeouts, *this };
		State_report _state_report { _env, _model, _children, _timeouts, _restarts };

		/* tells the parent when no child runs or can start (idle.h) */
		Idle         _idle { _env.ep(), _children, [this] (int value) { _routing.tell_parent_idle(value); } };

		/* what changed is reported, and may leave init idle */
		struct Changes : Report_trigger
		{
			State_report &report;
			Idle         &idle;
			Changes(State_report &report, Idle &idle) : report(report), idle(idle) { }
			void trigger_report() override { report.trigger_report(); idle.children_changed(); }
		} _changes { _state_report, _idle };

		Routing      _routing      { _env, _model, _children, _changes };
		Server       _server       { _env, _model, _children };
		Children     _children     { };

		/* what init can give its children now: its own quota less what it preserves */
		struct Avail { uint64_t ram, caps; };
		static constexpr uint64_t DEFAULT_PRESERVE_RAM  = 320 * 1024;
		static constexpr uint64_t DEFAULT_PRESERVE_CAPS = 20;
		Avail _avail() const;

		/*
		 * What a new config means for a child that stays, as Genode's
		 * 'Child::evaluate_dependencies' decides it
		 */
		enum class Verdict { KEEP, RESTART, STUCK };

		/* how the sessions of a child would be routed now */
		enum class Routes { VALID, MISMATCH, UNAVAILABLE };

		Verdict _verdict(Child const &, Start_node const &, Config_model const &old, bool servers_changed) const;
		Routes  _routes(Child const &, Start_node const &) const;
		void _destroy(Child &, bool restart);
		void _add_clients(std::set<std::string> &doomed) const;
		void _start_new_children();

		/*
		 * Children start in config order, one at a time: a start asks init's
		 * parent for four environment sessions and the process, each costing
		 * core descriptors and memory. All at once, a limit reached anywhere
		 * in the burst failed any start, the first one included; with
		 * several in flight, one failing at the limit gave back what it held
		 * and a later one got it. One after the other, the starts that fail
		 * at a limit are the last ones, each with its reason; core creates
		 * processes one after the other anyway. A child holds the slot only
		 * while it waits for init's parent (which never waits for a child):
		 * until its process runs, it is incomplete, or its environment goes
		 * to another child, which may take its time
		 * (Child_observer::child_settled).
		 */
		static constexpr size_t MAX_STARTING = 1;
		std::deque<uint32_t>  _start_queue { };   /* ids of children to launch, in config order */
		std::set<uint32_t>    _starting    { };   /* ids of launched children not settled yet */
		bool                  _launching   = false;
		void _launch_queued();

		/* quota changes: towards the config, within what is left */
		void _update_quotas(bool upgrades_only);
		void _complete_upgrades() { _update_quotas(true); }

		/* Child_observer */
		void child_announced(Child &) override;
		void child_exited(Child &) override;
		void child_settled(Child &) override;

		/* Heartbeat::Restarter */
		void restart_hung(std::vector<std::string> const &names) override;

		/* Restarts::Restarter */
		void restart_crashed(std::vector<std::string> const &names) override;

	public:

		explicit Sandbox(nestbox::Env &env) : _env(env)
		{
			_routing.quota_returned = [this] { _complete_upgrades(); };
		}

		/*
		 * Bring the running system in line with 'config': destroy, restart,
		 * update in place and start children, then follow <service>,
		 * <report> and <heartbeat>
		 */
		void apply_config(Config_model &&config);
};
