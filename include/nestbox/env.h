/*
 * The environment of a component: its entrypoint and the sessions its
 * parent created for it (PD, CPU, LOG) plus the parent itself.
 */
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nestbox/base/dataspace.h>
#include <nestbox/base/signal.h>
#include <nestbox/session/parent.h>
#include <nestbox/session/pd.h>

namespace nestbox {

class Env
{
	private:

		Entrypoint    &_ep;
		Parent::Client _parent;
		Pd::Client     _pd;
		Cpu::Client    _cpu;
		Log::Client    _log;

		std::optional<Signal_pair> _resource_avail { };   /* see 'alloc' */

		/* ask the parent for 'args' and wait for its answer; false if it cannot be asked */
		bool _request_resources(std::string const &args);

		std::string _host { };   /* NESTBOX_HOST, see 'host_fd' */

	public:

		/* Descriptors a component finds at start (set up by core before execve) */
		enum Fd : int { PARENT_FD = 3, PD_FD = 4, CPU_FD = 5, LOG_FD = 6, FIRST_FREE_FD = 7 };

		Env(Entrypoint &ep, Capability<Parent::Session> &&parent, Capability<Pd::Session> &&pd,
		    Capability<Cpu::Session> &&cpu, Capability<Log::Session> &&log)
		: _ep(ep), _parent(std::move(parent)), _pd(std::move(pd)), _cpu(std::move(cpu)), _log(std::move(log)) { }

		Env(Env const &) = delete;

		/* Called once by the runtime with what core passed in NESTBOX_HOST */
		void host_resources(std::string_view list) { _host = list; }

		/*
		 * The descriptor of a host resource the start node granted (<host>),
		 * or -1: "tcp:127.0.0.1:5900" (a listening socket), "device:/dev/kvm".
		 * A granted directory has no descriptor: it is at its path.
		 */
		int host_fd(std::string_view name) const;

		/* All granted descriptors with their names, in the start node's order */
		std::vector<std::pair<std::string, int>> host_fds() const;

		Entrypoint     &ep()     { return _ep; }
		Parent::Client &parent() { return _parent; }
		Pd::Client     &pd()     { return _pd; }
		Cpu::Client    &cpu()    { return _cpu; }
		Log::Client    &log()    { return _log; }

		/* Ask the parent for a session; 'label' is relative to this component */
		Result<Session_grant> session(std::string_view service, std::string_view label,
		                              std::string_view args)
		{
			return _parent.session(service, label, args);
		}

		void close(uint32_t id) { (void)_parent.close(id); }

		/*
		 * Allocate RAM from the PD; when the quota is exhausted, ask the
		 * parent for more and wait until it grants it (like Genode's
		 * expanding PD client). Blocks the entrypoint while waiting.
		 */
		Result<Dataspace_capability> alloc(size_t size);

		/* Charge 'count' caps to the PD, asking the parent for more the same way */
		Result<void> alloc_caps(uint32_t count);

		/* Tell the parent and end the process */
		[[noreturn]] void exit(int value);
};

} /* namespace nestbox */
