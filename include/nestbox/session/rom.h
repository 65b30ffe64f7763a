/*
 * ROM session: read-only content that may change over time
 */
#pragma once

#include <nestbox/base/rpc.h>

namespace nestbox::Rom {

struct Session
{
	static constexpr char const *service_name() { return "ROM"; }

	virtual ~Session() = default;

	/* The current content (read-only); a new dataspace after each change */
	virtual Result<Dataspace_capability> dataspace() = 0;

	/* Bring the content up to date in place if possible; false: fetch 'dataspace' again */
	virtual bool update() = 0;

	/* Get notified when the content changes */
	virtual void sigh(Signal_context_capability) = 0;

	using Rpc_functions = Rpc_list<&Session::dataspace, &Session::update, &Session::sigh>;
};

struct Client : Rpc_client<Session>
{
	using Rpc_client::Rpc_client;

	Result<Dataspace_capability> dataspace()                 { return call<&Session::dataspace>(); }
	Result<bool>                 update()                    { return call<&Session::update>(); }
	Result<void>                 sigh(Signal_context_capability s) { return call<&Session::sigh>(std::move(s)); }
};

} /* namespace nestbox::Rom */
