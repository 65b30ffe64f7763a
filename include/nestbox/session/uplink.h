/*
 * Uplink session: a network driver offers its device to a router or bridge
 *
 * As Genode's Uplink session, the roles of Nic reversed: the *driver* is
 * the client and opens the session while its link is up (and closes it
 * when the link goes down: the session's existence is the link state);
 * the server is the component that owns the uplink (nic_router,
 * nic_bridge). The driver names its device's MAC address in the session
 * arguments ("mac_address=02:00:00:00:00:01"). Frames travel as on a Nic
 * session (include/nestbox/session/nic.h), seen from the driver:
 *
 *   tx  driver -> server   frames the device received
 *   rx  server -> driver   frames for the device to send
 *
 * Queue depths, buffers and the RAM donation are asked for and granted as
 * for Nic ("tx_queue_depth=…, tx_buf_size=…, rx_queue_depth=…,
 * rx_buf_size=…, ram_quota=…", 'Nic::ram_quota').
 */
#pragma once

#include <nestbox/session/nic.h>

namespace nestbox::Uplink {

using Nic::Packet;
using Nic::Mac_address;
using Nic::Stream;
using Nic::Streams;

struct Session
{
	static constexpr char const *service_name() { return "Uplink"; }

	virtual ~Session() = default;

	virtual Streams streams() = 0;

	/* The streams' dataspaces: tx mapped by the driver as source, rx as sink */
	virtual Result<Dataspace_capability> tx_dataspace() = 0;
	virtual Result<Dataspace_capability> rx_dataspace() = 0;

	/* Connect both streams' signals, as 'Nic::Session::stream_sigh' */
	virtual Result<Signal_context_capability> stream_sigh(Signal_context_capability client) = 0;

	using Rpc_functions = Rpc_list<&Session::streams, &Session::tx_dataspace,
	                               &Session::rx_dataspace, &Session::stream_sigh>;
};

struct Client : Rpc_client<Session>
{
	using Rpc_client::Rpc_client;

	Result<Streams>              streams()      { return call<&Session::streams>(); }
	Result<Dataspace_capability> tx_dataspace() { return call<&Session::tx_dataspace>(); }
	Result<Dataspace_capability> rx_dataspace() { return call<&Session::rx_dataspace>(); }
	Result<Signal_context_capability> stream_sigh(Signal_context_capability s) {
		return call<&Session::stream_sigh>(std::move(s)); }
};

} /* namespace nestbox::Uplink */
