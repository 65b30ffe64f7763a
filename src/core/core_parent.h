/*
 * The parent that core is to init: routes every session request of init to
 * one of core's services and keeps the books on the quota that flows with it.
 */
#pragma once

#include <map>

#include <nestbox/session/parent.h>

#include "pd_service.h"

namespace Core {

/* The services of core by name */
using Local_services = std::map<std::string, nestbox::Rpc_object<nestbox::Root::Session> *, std::less<>>;

struct Child_exit
{
	virtual void child_exited(int value) = 0;

	/* init has nothing left to do; 'value' is 0 if every child exited with 0 */
	virtual void child_idle(int value) = 0;

	virtual ~Child_exit() = default;
};

class Core_parent : public nestbox::Rpc_object<nestbox::Parent::Session>
{
	private:

		struct Session
		{
			nestbox::Root::Session *root;
			uint32_t                root_id;
			uint64_t                ram, caps;   /* charged to the child's PD */
		};

		std::string const     _child_name;
		Local_services const &_services;
		Pd_session_component &_child_pd;
		Child_exit           &_exit;

		std::map<uint32_t, Session> _sessions { };
		uint32_t                    _next_id = 1;

		nestbox::Entrypoint &_ep;

		/* Take quota from the child's PD, all or nothing */
		nestbox::Result<void> _charge(uint64_t ram, uint64_t caps);

	public:

		Core_parent(nestbox::Entrypoint &ep, std::string child_name, Local_services const &services,
		            Pd_session_component &child_pd, Child_exit &exit)
		: _child_name(std::move(child_name)), _services(services), _child_pd(child_pd), _exit(exit), _ep(ep) { }

		~Core_parent();

		nestbox::Result<void> announce(std::string_view service, nestbox::Capability<nestbox::Root::Session>) override;
		nestbox::Result<nestbox::Session_grant> session(std::string_view service, std::string_view label,
		                                                std::string_view args) override;
		nestbox::Result<void> upgrade(uint32_t id, std::string_view args) override;
		nestbox::Result<void> close(uint32_t id) override;
		void exit(int32_t value) override { _exit.child_exited(value); }
		void idle(int32_t value) override { _exit.child_idle(value); }
		nestbox::Result<void> resource_request(std::string_view args) override;
		void resource_avail_sigh(nestbox::Signal_context_capability) override { }
		void yield_sigh(nestbox::Signal_context_capability) override { }
		std::string yield_request() override { return { }; }
		void yield_response() override { }

		/* core does not watch init's liveness: it is the root of the tree */
		void heartbeat_sigh(nestbox::Signal_context_capability) override { }
		void heartbeat_response() override { }
};

} /* namespace Core */
