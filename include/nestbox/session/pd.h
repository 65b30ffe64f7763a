/*
 * PD session: a protection domain (a Linux process), its RAM and cap quota
 *
 * The component itself allocates dataspaces from it; its parent, which
 * created the session, starts the process and learns how it ended.
 */
#pragma once

#include <nestbox/session/cpu.h>
#include <nestbox/session/log.h>
#include <nestbox/session/parent.h>

namespace nestbox::Pd {

struct Quota { uint64_t limit; uint64_t used; };

struct Exit_status
{
	enum State : uint8_t { NOT_STARTED, RUNNING, EXITED, KILLED };

	State   state;
	int32_t value;    /* EXITED: exit value; KILLED: signal number */
	char    syscall[32]; /* KILLED by the sandbox: the forbidden system call */
};

struct Session
{
	static constexpr char const *service_name() { return "PD"; }

	virtual ~Session() = default;

	/* RAM: a writeable dataspace charged to this PD's quota */
	virtual Result<Dataspace_capability> alloc(uint64_t size) = 0;
	virtual Result<void>                 free(Dataspace_capability ds) = 0;
	virtual Quota                        ram() = 0;

	/* Capabilities: each dataspace, session and signal context costs one */
	virtual Result<void> alloc_caps(uint32_t count) = 0;
	virtual void         free_caps(uint32_t count) = 0;
	virtual Quota        caps() = 0;

	/*
	 * Start the process (once): execute 'binary' with the given parent, LOG and
	 * CPU capabilities as its environment. Called by the parent.
	 */
	virtual Result<void> start(Dataspace_capability binary, Capability<Parent::Session> parent,
	                           Capability<Log::Session> log, Capability<Cpu::Session> cpu) = 0;

	/* Signal when the process ended (set before 'start') */
	virtual Result<void> exit_sigh(Signal_context_capability) = 0;
	virtual Exit_status  exit_status() = 0;

	/*
	 * Give unused quota back to whoever donated it (the parent that created
	 * the session). Fails with OUT_OF_RAM/OUT_OF_CAPS, taking nothing, if
	 * that much is not unused.
	 */
	virtual Result<void> withdraw(uint64_t ram, uint64_t caps) = 0;

	/*
	 * Move unused quota to another PD of the same core (e.g. a client's
	 * session quota to its server). Taken all or nothing.
	 */
	virtual Result<void> transfer_quota(Capability<Session> to, uint64_t ram, uint64_t caps) = 0;

	using Rpc_functions = Rpc_list<&Session::alloc, &Session::free, &Session::ram,
	                               &Session::alloc_caps, &Session::free_caps, &Session::caps,
	                               &Session::start, &Session::exit_sigh, &Session::exit_status,
	                               &Session::withdraw, &Session::transfer_quota>;
};

struct Client : Rpc_client<Session>
{
	using Rpc_client::Rpc_client;

	Result<Dataspace_capability> alloc(uint64_t size)         { return call<&Session::alloc>(size); }
	Result<void>                 free(Dataspace_capability &&ds) { return call<&Session::free>(std::move(ds)); }
	Result<Quota>                ram()                        { return call<&Session::ram>(); }
	Result<void>                 alloc_caps(uint32_t n)       { return call<&Session::alloc_caps>(n); }
	Result<void>                 free_caps(uint32_t n)        { return call<&Session::free_caps>(n); }
	Result<Quota>                caps()                       { return call<&Session::caps>(); }
	Result<void> start(Dataspace_capability &&binary, Capability<Parent::Session> &&parent,
	                   Capability<Log::Session> &&log, Capability<Cpu::Session> &&cpu) {
		return call<&Session::start>(std::move(binary), std::move(parent), std::move(log), std::move(cpu)); }
	Result<void>        exit_sigh(Signal_context_capability s) { return call<&Session::exit_sigh>(std::move(s)); }
	Result<Exit_status> exit_status()                          { return call<&Session::exit_status>(); }
	Result<void>        withdraw(uint64_t ram, uint64_t caps)  { return call<&Session::withdraw>(ram, caps); }
	Result<void>        transfer_quota(Capability<Session> &&to, uint64_t ram, uint64_t caps) {
		return call<&Session::transfer_quota>(std::move(to), ram, caps); }
};

} /* namespace nestbox::Pd */
