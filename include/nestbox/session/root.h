/*
 * Root: how a server's parent asks it for sessions
 *
 * A server announces each service it provides to its parent together with a
 * root capability. The parent creates, upgrades and closes sessions there on
 * behalf of its clients, always without blocking (Async_rpc_client).
 */
#pragma once

#include <nestbox/base/rpc.h>

namespace nestbox {

/* A granted session: the server-local id and the capability for the client */
struct Session_grant
{
	uint32_t           id = 0;
	Untyped_capability cap { };
};

template <> struct Marshal<Session_grant>
{
	static void put(Msg_writer &w, Session_grant const &g)
	{
		w.put_raw(g.id);
		Marshal<Untyped_capability>::put(w, g.cap);
	}
	static Session_grant get(Msg_reader &r)
	{
		Session_grant g;
		g.id  = r.get_raw<uint32_t>();
		g.cap = Marshal<Untyped_capability>::get(r);
		return g;
	}
};

} /* namespace nestbox */

namespace nestbox::Root {

struct Session
{
	virtual ~Session() = default;

	/* 'args' is a Genode-style argument string: label="…", ram_quota=…, … */
	virtual Result<Session_grant> session(std::string_view args) = 0;
	virtual Result<void>          upgrade(uint32_t id, std::string_view args) = 0;
	virtual Result<void>          close(uint32_t id) = 0;

	using Rpc_functions = Rpc_list<&Session::session, &Session::upgrade, &Session::close>;
};

} /* namespace nestbox::Root */
