/*
 * Routing of the session requests of init's children
 *
 * Where a request goes is decided by the init_config library's
 * 'resolve_route', the same resolution 'nestbox check' uses. This part does
 * what only exists at run time: it forwards the request to the parent or to
 * the serving child, moves the quota the client pays, lets a request wait
 * for a server that has not announced its service yet, and upgrades and
 * closes sessions wherever they live.
 */
#pragma once

#include <list>
#include <memory>

#include <nestbox/init/config_model.h>

#include "children.h"
#include "report_trigger.h"

namespace Init {

class Routing : public Session_router
{
	private:

		Config_model const &_model;
		Children           &_children;
		Report_trigger     &_report;

		/* init's own second channel to its parent, for requests it must not wait on */
		std::unique_ptr<nestbox::Async_rpc_client<nestbox::Parent::Session>> _parent { };

		/* requests waiting for a server that has not announced its service yet */
		struct Pending
		{
			uint32_t    child_id;
			std::string service, label, args;
			bool        from_process;
			Route_done  done;
		};
		std::list<Pending> _pending { };

		void _forward(Child &client, Route_target const &target, Child *server, std::string const &service,
		              std::string const &label, std::string const &args, bool from_process, Route_done done);

	public:

		Routing(nestbox::Env &, Config_model const &, Children &, Report_trigger &);

		/* Route the waiting requests again: a server announced, exited or restarted */
		void retry_pending();

		/*
		 * Called when a session at the parent has closed, which returns its
		 * quota to init (a destroyed child's PD, say): a quota upgrade that
		 * was trimmed may complete now
		 */
		std::function<void()> quota_returned { };

		/* Tell init's parent that no child runs or can start ('value': idle.h) */
		void tell_parent_idle(int value);

		/* Session_router */
		void route(Child &, std::string const &service, std::string const &label,
		           std::string const &args, bool from_process, Route_done done) override;
		void upgrade(Routed_session const &, std::string const &args,
		             std::function<void(nestbox::Result<void>)> done) override;
		void close(Child *client, Routed_session const &s) override { close(client, s, [] { }); }
		void close(Child *client, Routed_session const &, std::function<void()> closed) override;
};

} /* namespace Init */
