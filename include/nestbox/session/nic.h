/*
 * Nic session: a network adaptor for one client, Ethernet frames both ways
 *
 * As Genode's Nic session: the server (a driver, a bridge, a router) says
 * the client's MAC address and the link state, and signals changes of the
 * link state. Frames travel on two packet streams
 * (include/nestbox/packet_stream.h), each in its own dataspace:
 *
 *   tx  client -> server   the client is the source, the server the sink
 *   rx  server -> client   the server is the source, the client the sink
 *
 * One packet is one whole Ethernet frame (destination MAC first, no FCS).
 * A client asks for each stream's queue depth and buffer with the session
 * arguments ("tx_queue_depth=64, tx_buf_size=256K, rx_queue_depth=64,
 * rx_buf_size=256K"); the server grants what its policy allows and says so
 * in 'streams'. Both dataspaces are paid for by the client's RAM donation
 * ('ram_quota').
 *
 * Neither side ever waits for the other: a server whose rx stream is full
 * (the client stopped acknowledging) drops the frame and counts it, as a
 * NIC drops frames its host does not take; a client whose tx stream is full
 * does the same or retries on its next signal.
 */
#pragma once

#include <array>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include <nestbox/base/rpc.h>
#include <nestbox/packet_stream.h>

namespace nestbox::Nic {

struct Mac_address
{
	std::array<uint8_t, 6> addr { };

	bool operator == (Mac_address const &) const = default;
	auto operator <=> (Mac_address const &) const = default;

	bool broadcast() const { return *this == Mac_address { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } }; }
	bool multicast() const { return addr[0] & 1; }

	std::string string() const
	{
		char buf[18];
		std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x",
		              addr[0], addr[1], addr[2], addr[3], addr[4], addr[5]);
		return buf;
	}

	/* "02:00:00:00:00:01" (or with '-'), nullopt for anything else */
	static std::optional<Mac_address> parse(std::string_view s)
	{
		if (s.size() != 17) return std::nullopt;
		Mac_address m { };
		auto hex = [] (char c) -> int {
			if (c >= '0' && c <= '9') return c - '0';
			if (c >= 'a' && c <= 'f') return c - 'a' + 10;
			if (c >= 'A' && c <= 'F') return c - 'A' + 10;
			return -1;
		};
		for (unsigned i = 0; i < 6; i++) {
			int const hi = hex(s[i * 3]), lo = hex(s[i * 3 + 1]);
			if (hi < 0 || lo < 0) return std::nullopt;
			if (i < 5 && s[i * 3 + 2] != ':' && s[i * 3 + 2] != '-') return std::nullopt;
			m.addr[i] = uint8_t(hi << 4 | lo);
		}
		return m;
	}
};

/* One Ethernet frame on a stream */
struct Packet
{
	uint64_t offset = 0;   /* into the bulk buffer */
	uint64_t size   = 0;   /* bytes of the frame */
	uint32_t tag    = 0;   /* the source's; the sink returns it unchanged */
	uint32_t reserved = 0;
};

/* Frame sizes a sink accepts: a header at least, a jumbo frame at most */
static constexpr uint64_t MIN_FRAME = 14;
static constexpr uint64_t MAX_FRAME = 9018;

/* One stream as the server granted it */
struct Stream
{
	uint32_t queue_depth = 0;   /* frames in flight at most */
	uint64_t buffer_size = 0;   /* bytes of the bulk buffer */

	Packet_stream::Geometry geometry() const { return { queue_depth, buffer_size }; }
};

struct Streams
{
	Stream tx { };   /* client -> server */
	Stream rx { };   /* server -> client */
};

/* Defaults when a client names neither, and what a server grants at most by default */
static constexpr uint32_t DEFAULT_QUEUE_DEPTH = 64;
static constexpr uint64_t DEFAULT_BUFFER      = 256 * 1024;
static constexpr uint32_t MAX_QUEUE_DEPTH     = 1024;
static constexpr uint64_t MAX_BUFFER          = 4ull << 20;

/* What a session costs its client beyond the streams' dataspaces */
static constexpr uint64_t SESSION_OVERHEAD = 16 * 1024;

/* The RAM a client donates for streams of these geometries */
inline uint64_t ram_quota(Packet_stream::Geometry tx, Packet_stream::Geometry rx)
{
	return Packet_stream::Layout<Packet>(tx).total + Packet_stream::Layout<Packet>(rx).total
	     + SESSION_OVERHEAD;
}

struct Session
{
	static constexpr char const *service_name() { return "Nic"; }

	virtual ~Session() = default;

	/* The client's MAC address, chosen by the server */
	virtual Mac_address mac_address() = 0;

	/* Whether frames can reach the network now */
	virtual bool link_state() = 0;

	/* Signal 'sigh' whenever the link state changes */
	virtual Result<void> link_state_sigh(Signal_context_capability sigh) = 0;

	virtual Streams streams() = 0;

	/* The streams' dataspaces: tx mapped by the client as source, rx as sink */
	virtual Result<Dataspace_capability> tx_dataspace() = 0;
	virtual Result<Dataspace_capability> rx_dataspace() = 0;

	/*
	 * Connect both streams' signals: the client's handler (frames arrived on
	 * rx, tx acknowledged or has room) for the server's (frames arrived on
	 * tx, rx acknowledged or has room)
	 */
	virtual Result<Signal_context_capability> stream_sigh(Signal_context_capability client) = 0;

	using Rpc_functions = Rpc_list<&Session::mac_address, &Session::link_state,
	                               &Session::link_state_sigh, &Session::streams,
	                               &Session::tx_dataspace, &Session::rx_dataspace,
	                               &Session::stream_sigh>;
};

struct Client : Rpc_client<Session>
{
	using Rpc_client::Rpc_client;

	Result<Mac_address>  mac_address() { return call<&Session::mac_address>(); }
	Result<bool>         link_state()  { return call<&Session::link_state>(); }
	Result<void>         link_state_sigh(Signal_context_capability s) {
		return call<&Session::link_state_sigh>(std::move(s)); }
	Result<Streams>              streams()      { return call<&Session::streams>(); }
	Result<Dataspace_capability> tx_dataspace() { return call<&Session::tx_dataspace>(); }
	Result<Dataspace_capability> rx_dataspace() { return call<&Session::rx_dataspace>(); }
	Result<Signal_context_capability> stream_sigh(Signal_context_capability s) {
		return call<&Session::stream_sigh>(std::move(s)); }
};

} /* namespace nestbox::Nic */
