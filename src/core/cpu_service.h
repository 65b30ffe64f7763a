/*
 * Core's CPU service: affinity space and priority of a component
 *
 * The session is linked to its process when the parent passes it to
 * Pd::start; core recognises it as one of its own objects.
 */
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <nestbox/root_component.h>
#include <nestbox/session/cpu.h>

namespace Core {

struct Cpu_session_component : nestbox::Rpc_object<nestbox::Cpu::Session>
{
	int   nice = 0;
	pid_t pid  = -1;   /* set once the process runs */

	nestbox::Cpu::Affinity_space affinity_space() override
	{
		long const n = ::sysconf(_SC_NPROCESSORS_ONLN);
		return { uint32_t(n > 0 ? n : 1) };
	}

	nestbox::Result<void> priority(int32_t value) override
	{
		/* a component may lower its priority, never raise it above normal */
		if (value < 0 || value > 19) return nestbox::failure(nestbox::Error::INVALID_ARGS);
		nice = value;
		if (pid > 0) ::setpriority(PRIO_PROCESS, id_t(pid), nice);
		return { };
	}
};

struct Cpu_root : nestbox::Root_component<Cpu_session_component>
{
	using Root_component::Root_component;

	nestbox::Result<std::unique_ptr<Cpu_session_component>> _create_session(std::string_view) override
	{
		return std::make_unique<Cpu_session_component>();
	}
};

} /* namespace Core */
