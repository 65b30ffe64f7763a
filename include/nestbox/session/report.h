/*
 * Report session: a component publishes a document (state, hover, …)
 */
#pragma once

#include <nestbox/base/rpc.h>

namespace nestbox::Report {

struct Session
{
	static constexpr char const *service_name() { return "Report"; }

	virtual ~Session() = default;

	/* The buffer to write the report into (size from the 'buffer_size' session argument) */
	virtual Result<Dataspace_capability> dataspace() = 0;

	/* Publish the first 'length' bytes of the buffer */
	virtual Result<void> submit(uint64_t length) = 0;

	using Rpc_functions = Rpc_list<&Session::dataspace, &Session::submit>;
};

struct Client : Rpc_client<Session>
{
	using Rpc_client::Rpc_client;

	Result<Dataspace_capability> dataspace()          { return call<&Session::dataspace>(); }
	Result<void>                 submit(uint64_t len) { return call<&Session::submit>(len); }
};

} /* namespace nestbox::Report */
