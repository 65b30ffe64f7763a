/*
 * The server side of the Nic and Uplink sessions, shared by every network
 * driver, bridge and router
 *
 * 'allocate_streams' checks a client's request (its RAM donation against
 * the streams it asks for, within the server's limits) and allocates both
 * dataspaces without blocking. 'Session_streams' is the server's end of a
 * session: frames from the client go to a 'Frame_handler' as they arrive,
 * 'send' hands frames to the client and drops them (counted, logged once)
 * when the client does not take them. 'Nic::Session_component' adds the
 * MAC address and link state; 'Uplink::Session_component' the MAC address
 * the driver named.
 */
#pragma once

#include <string>

#include <pugixml.hpp>

#include <nestbox/base/signal.h>
#include <nestbox/env.h>
#include <nestbox/nic/frames.h>
#include <nestbox/session/uplink.h>

namespace nestbox::Nic {

	class  Session_streams;
	struct Frame_handler;
	struct Allocated_streams;
	class  Session_component;

	/*
	 * A server's limits from its config ('max_queue_depth', 'max_buffer'
	 * per stream; defaults MAX_QUEUE_DEPTH and MAX_BUFFER)
	 */
	Packet_stream::Geometry stream_limit(pugi::xml_node config);

	/*
	 * The streams a client asked for ('args'), within 'limit', their
	 * dataspaces allocated from the server's PD; an error (logged with its
	 * reason) when the donation does not pay for them
	 */
	Result<Allocated_streams> allocate_streams(Env &, std::string_view args, std::string const &label,
	                                           Packet_stream::Geometry limit, char const *service);
}

namespace nestbox::Uplink { class Session_component; }


struct nestbox::Nic::Allocated_streams
{
	Streams            streams;
	Attached_dataspace tx, rx;
};


struct nestbox::Nic::Frame_handler
{
	virtual ~Frame_handler() = default;

	/* A frame the client sent; valid only during the call */
	virtual void handle_frame(Session_streams &, std::span<std::byte const> frame) = 0;
};


class nestbox::Nic::Session_streams
{
	private:

		Env              &_env;
		std::string const _label;
		Streams     const _streams;
		Frame_receiver    _from_client;   /* the tx stream */
		Frame_sender      _to_client;     /* the rx stream */
		Frame_handler    &_handler;

		Signal_handler<Session_streams> _stream_handler {
			_env.ep(), *this, &Session_streams::_handle_stream };

		bool _told_drop = false, _told_broken = false, _told_bad = false;

		void _handle_stream();

	public:

		Session_streams(Env &, std::string const &label, Allocated_streams &&, Frame_handler &);
		virtual ~Session_streams();

		Session_streams(Session_streams const &) = delete;
		Session_streams &operator = (Session_streams const &) = delete;

		std::string const &label() const { return _label; }

		/* Hand a frame to the client; false when it had no room (dropped, counted) */
		bool send(std::span<std::byte const> frame);

		template <typename FN>
		bool send(size_t size, FN const &fill)
		{
			bool const sent = _to_client.send(size, fill);
			if (!sent) _dropped();
			return sent;
		}

		/* Take the client's frames now (as when it signals) */
		void wakeup() { _stream_handler.local_submit(); }

		uint64_t sent()       const { return _to_client.sent(); }
		uint64_t dropped()    const { return _to_client.dropped(); }
		uint64_t received()   const { return _from_client.received(); }
		uint64_t bad_frames() const { return _from_client.bad_frames(); }

		/* The session's RPC functions' common part */
		Streams streams() const { return _streams; }
		Result<Dataspace_capability> tx_dataspace() const { return _from_client.dataspace(); }
		Result<Dataspace_capability> rx_dataspace() const { return _to_client.dataspace(); }
		Result<Signal_context_capability> stream_sigh(Signal_context_capability client);

	private:

		void _dropped();
};


class nestbox::Nic::Session_component : public Rpc_object<Nic::Session>, public Session_streams
{
	private:

		Mac_address const         _mac;
		bool                      _link_up;
		Signal_context_capability _link_sigh { };

	public:

		Session_component(Env &env, std::string const &label, Mac_address mac, bool link_up,
		                  Allocated_streams &&streams, Frame_handler &handler)
		: Session_streams(env, label, std::move(streams), handler), _mac(mac), _link_up(link_up) { }

		/* Change the link state the client sees, signalling it */
		void link_state(bool up)
		{
			if (up == _link_up) return;
			_link_up = up;
			if (_link_sigh.valid()) Signal_transmitter::submit(_link_sigh);
		}

		/* Nic::Session */
		Mac_address mac_address() override { return _mac; }
		bool        link_state()  override { return _link_up; }
		Result<void> link_state_sigh(Signal_context_capability sigh) override
		{
			_link_sigh = std::move(sigh);
			return { };
		}
		Streams streams() override { return Session_streams::streams(); }
		Result<Dataspace_capability> tx_dataspace() override { return Session_streams::tx_dataspace(); }
		Result<Dataspace_capability> rx_dataspace() override { return Session_streams::rx_dataspace(); }
		Result<Signal_context_capability> stream_sigh(Signal_context_capability c) override {
			return Session_streams::stream_sigh(std::move(c)); }
};


class nestbox::Uplink::Session_component : public Rpc_object<Uplink::Session>, public Nic::Session_streams
{
	private:

		Mac_address const _mac;

	public:

		/* 'mac' is what the driver named ('Uplink::mac_from_args') */
		Session_component(Env &env, std::string const &label, Mac_address mac,
		                  Nic::Allocated_streams &&streams, Nic::Frame_handler &handler)
		: Session_streams(env, label, std::move(streams), handler), _mac(mac) { }

		Mac_address mac_address() const { return _mac; }

		/* Uplink::Session */
		Streams streams() override { return Session_streams::streams(); }
		Result<Dataspace_capability> tx_dataspace() override { return Session_streams::tx_dataspace(); }
		Result<Dataspace_capability> rx_dataspace() override { return Session_streams::rx_dataspace(); }
		Result<Signal_context_capability> stream_sigh(Signal_context_capability c) override {
			return Session_streams::stream_sigh(std::move(c)); }
};

namespace nestbox::Uplink {

	/* The MAC address a driver named in its session arguments, nullopt if none or malformed */
	std::optional<Mac_address> mac_from_args(std::string_view args);
}
