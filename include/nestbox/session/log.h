/*
 * LOG session: a line-oriented text sink
 */
#pragma once

#include <nestbox/base/rpc.h>

namespace nestbox::Log {

struct Session
{
	static constexpr char const *service_name() { return "LOG"; }

	/* longer lines are split by the client */
	enum : size_t { MAX_LINE = 8*1024 };

	virtual ~Session() = default;

	/* Write one line (no trailing newline needed) */
	virtual void write(std::string_view line) = 0;

	using Rpc_functions = Rpc_list<&Session::write>;
};

struct Client : Rpc_client<Session>
{
	using Rpc_client::Rpc_client;

	Result<void> write(std::string_view line) { return call<&Session::write>(line); }
};

} /* namespace nestbox::Log */
