/*
 * CPU session: the component's share of processing time
 *
 * On Linux a component's threads are kernel threads; the session carries the
 * component's place in the CPU space and its priority, which core applies to
 * the process it starts.
 */
#pragma once

#include <nestbox/base/rpc.h>

namespace nestbox::Cpu {

struct Affinity_space { uint32_t cpus; };

struct Session
{
	static constexpr char const *service_name() { return "CPU"; }

	virtual ~Session() = default;

	/* The CPUs the component may run on */
	virtual Affinity_space affinity_space() = 0;

	/* Scheduling priority, as a Linux nice value (0 = normal, 19 = lowest) */
	virtual Result<void> priority(int32_t nice) = 0;

	using Rpc_functions = Rpc_list<&Session::affinity_space, &Session::priority>;
};

struct Client : Rpc_client<Session>
{
	using Rpc_client::Rpc_client;

	Result<Affinity_space> affinity_space()   { return call<&Session::affinity_space>(); }
	Result<void>           priority(int nice) { return call<&Session::priority>(int32_t(nice)); }
};

} /* namespace nestbox::Cpu */
