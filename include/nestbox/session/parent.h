/*
 * Parent interface: everything a component asks of the one that started it
 */
#pragma once

#include <nestbox/session/root.h>

namespace nestbox::Parent {

struct Session
{
	virtual ~Session() = default;

	/* Offer a service: the parent routes matching session requests to 'root' */
	virtual Result<void> announce(std::string_view service, Capability<Root::Session> root) = 0;

	/*
	 * Ask for a session. 'label' is the requester's own (init prefixes it with
	 * the child's name). The id names the session in later calls.
	 */
	virtual Result<Session_grant> session(std::string_view service, std::string_view label,
	                                      std::string_view args) = 0;

	/* Donate more quota to a session ("ram_quota=…, cap_quota=…") */
	virtual Result<void> upgrade(uint32_t id, std::string_view args) = 0;

	virtual Result<void> close(uint32_t id) = 0;

	/* The component is done; the parent logs and cleans up */
	virtual void exit(int32_t value) = 0;

	/*
	 * The component has nothing left to do but wait for its config to change
	 * (init: every child exited or is incomplete; 'value' is 0 if every child
	 * exited with 0). The parent may end it or, as init does, ignore it.
	 */
	virtual void idle(int32_t value) = 0;

	/*
	 * Ask for more quota ("ram_quota=…, cap_quota=…"). The parent may answer
	 * later (init: once its config grants more) with the resource-avail signal.
	 */
	virtual Result<void> resource_request(std::string_view args) = 0;
	virtual void         resource_avail_sigh(Signal_context_capability) = 0;

	/* Yield protocol: the parent asks the component to give quota back */
	virtual void        yield_sigh(Signal_context_capability) = 0;
	virtual std::string yield_request() = 0;
	virtual void        yield_response() = 0;

	/* Liveness: the parent signals, the entrypoint answers (libnestbox does it) */
	virtual void heartbeat_sigh(Signal_context_capability) = 0;
	virtual void heartbeat_response() = 0;

	using Rpc_functions = Rpc_list<&Session::announce, &Session::session, &Session::upgrade,
	                               &Session::close, &Session::exit, &Session::resource_request,
	                               &Session::resource_avail_sigh,
	                               &Session::yield_sigh, &Session::yield_request,
	                               &Session::yield_response,
	                               &Session::heartbeat_sigh, &Session::heartbeat_response,
	                               &Session::idle>;
};

struct Client : Rpc_client<Session>
{
	using Rpc_client::Rpc_client;

	Result<void> announce(std::string_view service, Capability<Root::Session> &&root) {
		return call<&Session::announce>(service, std::move(root)); }
	Result<Session_grant> session(std::string_view service, std::string_view label, std::string_view args) {
		return call<&Session::session>(service, label, args); }
	Result<void> upgrade(uint32_t id, std::string_view args) { return call<&Session::upgrade>(id, args); }
	Result<void> close(uint32_t id)                          { return call<&Session::close>(id); }
	Result<void> exit(int value)                             { return call<&Session::exit>(int32_t(value)); }
	Result<void> idle(int value)                             { return call<&Session::idle>(int32_t(value)); }
	Result<void> resource_request(std::string_view args)     { return call<&Session::resource_request>(args); }
	Result<void> resource_avail_sigh(Signal_context_capability s) { return call<&Session::resource_avail_sigh>(std::move(s)); }
	Result<void> heartbeat_sigh(Signal_context_capability s) { return call<&Session::heartbeat_sigh>(std::move(s)); }
	Result<void> heartbeat_response()                        { return call<&Session::heartbeat_response>(); }
	Result<void> yield_sigh(Signal_context_capability s)     { return call<&Session::yield_sigh>(std::move(s)); }
	Result<std::string> yield_request()                      { return call<&Session::yield_request>(); }
	Result<void> yield_response()                            { return call<&Session::yield_response>(); }
};

} /* namespace nestbox::Parent */
