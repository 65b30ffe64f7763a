/*
 * A child of init: its environment, its sessions and the parent it talks to
 *
 * The child object is the parent interface of its process. Every session
 * request of the process (and the environment sessions init requests before
 * the start) goes through the 'Session_router', which answers
 * asynchronously: init never waits for a server. A child knows the parts
 * above it only by the narrow interfaces it is constructed with.
 */
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>

#include <nestbox/base/dataspace.h>
#include <nestbox/base/signal.h>
#include <nestbox/env.h>
#include <nestbox/session/pd.h>
#include <nestbox/session/rom.h>

#include <nestbox/init/config_model.h>

#include "report_trigger.h"

namespace Init {

class Child;

/* Where a granted session lives, so that init can upgrade and close it */
struct Session_target
{
	enum class Kind { NONE, PARENT, CHILD, LOCAL };

	Kind        kind = Kind::NONE;
	std::string server { };   /* Kind::CHILD: the providing child's name */
	uint32_t    id = 0;       /* the session's id at the parent or server root */
};

/* A session as init keeps it: for routing, quota and the state report */
struct Routed_session
{
	std::string    service;
	std::string    label;           /* as the server sees it */
	std::string    args { };
	Session_target target { };
	uint64_t       donated_ram = 0, donated_caps = 0;   /* paid by the client */
	char const    *state = "CREATE_REQUESTED";           /* Genode's session-state names */
	std::string    client_label { };                     /* as the client asked, for re-routing */
	bool           binary = false;                       /* the ROM of the child's binary */
};

struct Granted
{
	Routed_session              session;
	nestbox::Untyped_capability cap;
};

using Route_done = std::function<void(nestbox::Result<Granted>)>;

/* Where a child's sessions go: init's routing */
struct Session_router
{
	/*
	 * Route a session request of 'child' ('label' is the child's own). With
	 * 'from_process', the quota in 'args' is paid by the child. 'done' is
	 * called only while the child exists.
	 */
	virtual void route(Child &child, std::string const &service, std::string const &label,
	                   std::string const &args, bool from_process, Route_done done) = 0;

	/* Upgrade or close a session wherever it lives; 'client' pays/gets quota back */
	virtual void upgrade(Routed_session const &, std::string const &args,
	                     std::function<void(nestbox::Result<void>)> done) = 0;
	virtual void close(Child *client, Routed_session const &) = 0;

	/* The same, calling 'closed' once the server has closed it (at once if it is gone) */
	virtual void close(Child *client, Routed_session const &, std::function<void()> closed) = 0;

	virtual ~Session_router() = default;
};

/* Whom a child tells when the services it serves change */
struct Child_observer
{
	/* It announced a service: requests that wait for it may go on */
	virtual void child_announced(Child &) = 0;

	/* It exited: requests that wait for it must be denied */
	virtual void child_exited(Child &) = 0;

	/*
	 * Its start no longer needs init's parent: its process runs, it is
	 * incomplete, or its environment waits for another child (a server
	 * that may take its time). Called once per child, never from within
	 * 'launch'.
	 */
	virtual void child_settled(Child &) = 0;

	virtual ~Child_observer() = default;
};

/* The "config" ROM of a child with an inline <config> */
struct Config_rom_session : nestbox::Rpc_object<nestbox::Rom::Session>
{
	nestbox::Dataspace_capability      &content;
	nestbox::Signal_context_capability  sigh_cap { };

	explicit Config_rom_session(nestbox::Dataspace_capability &content) : content(content) { }

	nestbox::Result<nestbox::Dataspace_capability> dataspace() override
	{
		if (!content.valid()) return nestbox::failure(nestbox::Error::UNAVAILABLE);
		return content.copy();
	}
	bool update() override { return false; }
	void sigh(nestbox::Signal_context_capability cap) override { sigh_cap = std::move(cap); }
};

class Child : public nestbox::Rpc_object<nestbox::Parent::Session>
{
	public:

		enum class State { STARTING, INCOMPLETE, RUNNING, EXITED };

		/*
		 * What a child's environment sessions (PD, CPU, LOG, binary and
		 * config ROM, parent) cost, in Genode's figures: 192K + 36K + 8K +
		 * 2 x 6K of RAM, 13 + 6 + 2 + 2 x 3 + 1 caps
		 */
		static constexpr uint64_t ENV_RAM_COSTS = 248 * 1024;
		static constexpr uint64_t ENV_CAP_COSTS = 28;

	private:

		nestbox::Env   &_env;
		Session_router &_router;
		Child_observer &_observer;
		Report_trigger &_report;
		Start_node      _start;
		uint32_t const  _id;

		State _state = State::STARTING;
		int   _exit_value = 0;

		/*
		 * A running child one of whose sessions lost its route (its server
		 * withdrew the service from its <provides>). As Genode's "stuck"
		 * child, it keeps running and is reported incomplete; init restarts
		 * it once all its sessions have a route again.
		 */
		bool _stuck = false;

		/* sessions of the process, by the ids it knows them by */
		std::map<uint32_t, Routed_session> _sessions { };
		uint32_t                           _next_session_id = 1;

		/* environment sessions, requested before the start */
		struct Env_session { Routed_session session; nestbox::Untyped_capability cap { }; };
		std::map<std::string, Env_session> _env_sessions { };   /* by service */
		unsigned _env_pending = 0;
		bool     _env_failed  = false;
		bool     _launched    = false;
		bool     _settled     = false;   /* 'child_settled' was called */

		std::unique_ptr<nestbox::Async_rpc_client<nestbox::Rom::Session>> _binary_rom { };
		nestbox::Dataspace_capability _binary_ds { };
		std::unique_ptr<nestbox::Pd::Client> _pd { };

		/*
		 * Made at the start of the process, not with the child: its
		 * descriptors would otherwise be spent for every child of the config
		 * before the first one starts
		 */
		std::optional<nestbox::Signal_handler<Child>> _exit_handler { };

		/* services the process announced */
		std::map<std::string, std::unique_ptr<nestbox::Async_rpc_client<nestbox::Root::Session>>, std::less<>> _roots { };

		/* inline config, served locally as the "config" ROM */
		nestbox::Dataspace_capability                    _config_ds { };
		std::vector<std::unique_ptr<Config_rom_session>> _config_sessions { };

		/* resource and yield protocols, liveness */
		nestbox::Signal_context_capability _yield_sigh { }, _resource_avail_sigh { }, _heartbeat_sigh { };
		std::string _yield_request { };
		uint64_t    _yield_ram = 0, _yield_caps = 0;
		uint64_t    _requested_ram = 0, _requested_caps = 0;
		bool        _heartbeat_pending = false;

		/* false once destroyed: for callbacks that may outlive the child */
		std::shared_ptr<bool> _alive = std::make_shared<bool>(true);
		unsigned    _skipped_heartbeats = 0;

		void _request_env_session(std::string const &service, std::string const &label,
		                          std::string const &args);
		void _env_session_done();
		void _settle();
		void _incomplete();
		void _fetch_binary();
		void _start_process();
		void _handle_exit_signal();
		void _exited(int value, std::string const &message);
		void _close_all_sessions();
		nestbox::Result<void> _free_config_ds();

	public:

		Child(nestbox::Env &env, Session_router &router, Child_observer &observer,
		      Report_trigger &report, Start_node const &start, uint32_t id);
		~Child();

		std::string const &name()    const { return _start.name; }
		std::string client_name()    const override { return _start.name; }
		Start_node  const &start()   const { return _start; }
		uint32_t           id()      const { return _id; }
		State              state()   const { return _state; }
		bool               exited()  const { return _state == State::EXITED; }
		bool               stuck()   const { return _stuck; }
		void               mark_stuck()    { _stuck = true; }
		int                exit_value() const { return _exit_value; }
		unsigned           skipped_heartbeats() const { return _skipped_heartbeats; }

		bool declares(std::string_view service) const
		{
			for (auto const &s : _start.provides) if (s == service) return true;
			return false;
		}

		/* The announced root of a service, or nullptr */
		nestbox::Async_rpc_client<nestbox::Root::Session> *root(std::string_view service)
		{
			auto it = _roots.find(service);
			return (it == _roots.end() || it->second->dead()) ? nullptr : it->second.get();
		}

		bool has_inline_config() const { return _start.config.has_value(); }

		/* A local session for the "config" ROM */
		nestbox::Result<Granted> open_config_rom();

		/*
		 * Lower the start node's quota to what init has left, with a warning,
		 * as Genode's init does instead of refusing the child
		 */
		void trim_quota(uint64_t avail_ram, uint64_t avail_caps);

		/* Request the environment and start the process once it is complete */
		void launch();
		bool launched() const { return _launched; }

		/* The routing sent an environment session of it to another child */
		void env_waits_for_child() { _settle(); }

		/* Live changes of the start node that need no restart */
		void update_config(std::optional<std::string> const &config);
		void update_provides(std::vector<std::string> const &provides);
		/*
		 * An upgrade moves at most what init has left ('avail_*'); the
		 * assigned quota then stays below the configured one, and the next
		 * config tries to complete it, as in Genode
		 */
		void update_quota(uint64_t ram, uint64_t caps, uint64_t avail_ram, uint64_t avail_caps);
		void update_heartbeat(unsigned restart_after_skipped) { _start.restart_after_skipped = restart_after_skipped; }

		/* A new binary name or route under which every session keeps its route */
		void update_routing(Start_node const &start) { _start.binary = start.binary; _start.route = start.route; }

		/* Quota moves between init and the child's PD (donations with sessions) */
		nestbox::Result<void> withdraw(uint64_t ram, uint64_t caps);
		void                  deposit(uint64_t ram, uint64_t caps, std::function<void()> done = { });

		/* Move quota straight from this child's PD to another child's (at core) */
		nestbox::Result<void> transfer_to(Child &to, uint64_t ram, uint64_t caps);

		/* Liveness: returns true if the child should be restarted */
		bool heartbeat();

		/* Report helpers */
		template <typename FN> void for_each_session(FN const &fn) const
		{
			for (auto const &[service, e] : _env_sessions) fn(e.session);
			for (auto const &[id, s] : _sessions) fn(s);
		}
		std::optional<nestbox::Pd::Quota> ram_quota();
		std::optional<nestbox::Pd::Quota> cap_quota();
		uint64_t requested_ram()  const { return _requested_ram; }
		uint64_t requested_caps() const { return _requested_caps; }

		/* Parent::Session, called by the process */
		nestbox::Result<void> announce(std::string_view service, nestbox::Capability<nestbox::Root::Session> root) override;
		nestbox::Result<nestbox::Session_grant> session(std::string_view service, std::string_view label,
		                                                std::string_view args) override;
		nestbox::Result<void> upgrade(uint32_t id, std::string_view args) override;
		nestbox::Result<void> close(uint32_t id) override;
		void exit(int32_t value) override;
		void idle(int32_t) override { }   /* a nested init runs on, as in Genode */
		nestbox::Result<void> resource_request(std::string_view args) override;
		void resource_avail_sigh(nestbox::Signal_context_capability cap) override { _resource_avail_sigh = std::move(cap); }
		void yield_sigh(nestbox::Signal_context_capability cap) override { _yield_sigh = std::move(cap); }
		std::string yield_request() override { return _yield_request; }
		void yield_response() override;
		void heartbeat_sigh(nestbox::Signal_context_capability cap) override { _heartbeat_sigh = std::move(cap); }
		void heartbeat_response() override { _heartbeat_pending = false; _skipped_heartbeats = 0; }
};

} /* namespace Init */
