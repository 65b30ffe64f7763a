/*
 * init as a whole: its config, its children, their routing
 */
#pragma once

#include <list>
#include <optional>

#include <nestbox/component.h>
#include <nestbox/report.h>
#include <nestbox/timer.h>

#include "child.h"
#include "idle.h"
#include <nestbox/init/config_model.h>
#include "service_export.h"

namespace Init { struct Main; }

struct Init::Main : Router, Export_router
{
	nestbox::Env &env;

	nestbox::Attached_rom                config_rom { env, "config" };
	nestbox::Signal_handler<Main>        config_handler { env.ep(), *this, &Main::handle_config };
	Config_model                         model { };

	/* init's own second channel to its parent, for requests it must not wait on */
	std::unique_ptr<nestbox::Async_rpc_client<nestbox::Parent::Session>> parent_async { };

	std::list<std::unique_ptr<Child>> children { };
	uint32_t                          next_child_id = 1;

	/* tells the parent when no child runs or can start (idle.h) */
	Idle idle { env.ep(), children, [this] (int value) {
		if (parent_async) parent_async->call<&nestbox::Parent::Session::idle>([] (auto) { }, int32_t(value)); } };

	/* requests waiting for a server that has not announced its service yet */
	struct Pending
	{
		uint32_t    child_id;
		std::string service, label, args;
		bool        from_process;
		Route_done  done;
	};
	std::list<Pending> pending { };

	/* services of children that init offers to its own parent */
	std::list<std::unique_ptr<Export_root>> exports { };
	std::list<std::function<void()>>        export_pending { };

	/* the state report, produced after a short delay to batch changes */
	std::optional<nestbox::Timer::Connection> timer { };
	nestbox::Signal_handler<Main>             timer_handler { env.ep(), *this, &Main::handle_timer };
	std::optional<nestbox::Reporter>          state_reporter { };
	uint64_t                                  report_buffer = 0;
	bool                                      report_due = false;
	uint64_t                                  report_at_us = 0;
	uint64_t                                  next_heartbeat_us = 0;

	Main(nestbox::Env &env);

	/* config */
	void handle_config();
	void apply_config(Config_model &&);
	bool needs_restart(Child const &, Start_node const &, Config_model const &old) const;
	void destroy(Child &, bool restart);
	void start_new_children();

	Child *child_by_name(std::string_view name);
	Child *child_by_id(uint32_t id);

	/* routing (routing.cc) */
	Route_rule const *matching_rule(Child const &, std::string_view service,
	                                std::string_view label, std::string_view unscoped) const;
	enum class Attempt { FORWARDED, WAITING, UNAVAILABLE, AMBIGUOUS };
	Attempt try_target(Child &, Route_target const &, std::string const &service,
	                   std::string const &label, std::string const &args, bool from_process,
	                   Route_done &done);
	void retry_pending();

	void route(Child &, std::string const &service, std::string const &label,
	           std::string const &args, bool from_process, Route_done done) override;
	void upgrade(Routed_session const &, std::string const &args,
	             std::function<void(nestbox::Result<void>)> done) override;
	void close(Child *client, Routed_session const &) override;
	void services_changed(Child &) override;
	void state_changed() override;

	/* Export_router */
	void route_export(std::string const &child, std::string const &service, std::string const &args,
	                  std::function<void(nestbox::Result<nestbox::Session_grant>)> done) override;
	void close_export(std::string const &child, std::string const &service, uint32_t id) override;
	void upgrade_export(std::string const &child, std::string const &service, uint32_t id,
	                    std::string const &args) override;
	void update_exports();

	/* state report and liveness (state_report.cc) */
	void handle_timer();
	void schedule_timer();
	std::string state_report();
};
