/*
 * Ping: the smallest service worth timing
 *
 * One RPC that does next to nothing, so that a round trip measures the
 * mechanism (channels, entrypoint, sandbox) rather than the server's work,
 * and a pair of signal contexts for a signal round trip between the same
 * two components.
 */
#pragma once

#include <nestbox/base/rpc.h>
#include <nestbox/base/signal.h>

namespace Ping {

	using namespace nestbox;

	struct Session;
	struct Client;
}


struct Ping::Session
{
	static constexpr char const *service_name() { return "Ping"; }

	virtual ~Session() = default;

	/* Returns 'value + 1': the client checks that the reply is its own */
	virtual uint64_t ping(uint64_t value) = 0;

	/* Where the server's ping handler answers each signal it receives */
	virtual void pong_sigh(Signal_context_capability) = 0;

	/* A submit-only end of the server's ping handler */
	virtual Signal_context_capability ping_cap() = 0;

	using Rpc_functions = Rpc_list<&Session::ping, &Session::pong_sigh, &Session::ping_cap>;
};


struct Ping::Client : Rpc_client<Session>
{
	using Rpc_client::Rpc_client;

	Result<uint64_t> ping(uint64_t value) { return call<&Session::ping>(value); }

	Result<void> pong_sigh(Signal_context_capability cap) { return call<&Session::pong_sigh>(std::move(cap)); }

	Result<Signal_context_capability> ping_cap() { return call<&Session::ping_cap>(); }
};
