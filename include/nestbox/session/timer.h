/*
 * Timer session: one-shot and periodic timeouts, and the time since start
 */
#pragma once

#include <nestbox/base/rpc.h>

namespace nestbox::Timer {

struct Session
{
	static constexpr char const *service_name() { return "Timer"; }

	virtual ~Session() = default;

	/* Signal once after 'us' microseconds (replaces a pending timeout) */
	virtual void trigger_once(uint64_t us) = 0;

	/* Signal every 'us' microseconds; 0 stops */
	virtual void trigger_periodic(uint64_t us) = 0;

	virtual void sigh(Signal_context_capability) = 0;

	/* Microseconds since the session was created */
	virtual uint64_t elapsed_us() = 0;

	using Rpc_functions = Rpc_list<&Session::trigger_once, &Session::trigger_periodic,
	                               &Session::sigh, &Session::elapsed_us>;
};

struct Client : Rpc_client<Session>
{
	using Rpc_client::Rpc_client;

	Result<void>     trigger_once(uint64_t us)        { return call<&Session::trigger_once>(us); }
	Result<void>     trigger_periodic(uint64_t us)    { return call<&Session::trigger_periodic>(us); }
	Result<void>     sigh(Signal_context_capability s) { return call<&Session::sigh>(std::move(s)); }
	Result<uint64_t> elapsed_us()                     { return call<&Session::elapsed_us>(); }
};

} /* namespace nestbox::Timer */
