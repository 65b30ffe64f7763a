/*
 * The client side of the Nic and Uplink sessions
 *
 *   Nic::Connection nic { env, handler.cap(), "uplink" };
 *   nic.send(frame);                                 // false: dropped, no room
 *   nic.receive([&] (std::span<std::byte const> frame) { … });
 *
 * The handler whose capability the connection gets runs whenever frames
 * arrived or sent ones were acknowledged; it calls 'receive' (and retries
 * what it could not send). Both sessions move frames the same way
 * ('Client_streams'); Nic adds the MAC address and link state the server
 * says, Uplink (a driver's session) tells its MAC address instead.
 */
#pragma once

#include <optional>

#include <nestbox/connection.h>
#include <nestbox/log.h>
#include <nestbox/nic/frames.h>
#include <nestbox/session/uplink.h>

namespace nestbox::Nic {

	class Client_streams;
	class Connection;

	/*
	 * The session arguments asking for these streams; 'state_quota' is
	 * donated on top, for what the server keeps for us beyond the streams
	 * (a router's links: src/server/nic_router)
	 */
	inline std::string stream_args(Packet_stream::Geometry tx, Packet_stream::Geometry rx,
	                               uint64_t state_quota = 0)
	{
		return "tx_queue_depth=" + std::to_string(tx.slots) + ", tx_buf_size=" + std::to_string(tx.bulk_size)
		     + ", rx_queue_depth=" + std::to_string(rx.slots) + ", rx_buf_size=" + std::to_string(rx.bulk_size)
		     + ", ram_quota=" + std::to_string(ram_quota(tx, rx) + state_quota);
	}

	inline constexpr Packet_stream::Geometry default_geometry { DEFAULT_QUEUE_DEPTH, DEFAULT_BUFFER };
}

namespace nestbox::Uplink { class Connection; }


/* The client's ends of both streams: tx as source, rx as sink */
class nestbox::Nic::Client_streams
{
	private:

		Streams _streams { };
		std::optional<Frame_sender>   _tx { };
		std::optional<Frame_receiver> _rx { };

	public:

		/* Map the server's dataspaces and connect the signals; false (logged) on failure */
		template <typename CLIENT>
		bool connect(CLIENT &client, Signal_context_capability &&sigh, char const *service)
		{
			auto streams = client.streams();
			auto tx_ds   = client.tx_dataspace();
			auto rx_ds   = client.rx_dataspace();
			if (!streams || !tx_ds || !rx_ds) {
				error(service, " session: cannot set up its streams");
				return false;
			}
			Attached_dataspace tx(std::move(*tx_ds)), rx(std::move(*rx_ds));
			if (!Frame_sender::fits(tx, streams->tx.geometry())
			 || !Frame_receiver::fits(rx, streams->rx.geometry())) {
				error(service, " session: the server's dataspaces do not fit its streams");
				return false;
			}
			_streams = *streams;
			_tx.emplace(std::move(tx), _streams.tx.geometry());
			_rx.emplace(std::move(rx), _streams.rx.geometry());

			auto server = client.stream_sigh(std::move(sigh));
			if (!server) {
				error(service, " session: cannot connect its signals: ", error_name(server.error()));
				_tx.reset(); _rx.reset();
				return false;
			}
			_tx->peer_sigh(server->copy());
			_rx->peer_sigh(std::move(*server));
			return true;
		}

		bool    valid()   const { return _tx.has_value(); }
		Streams streams() const { return _streams; }

		bool send(std::span<std::byte const> frame) { return _tx && _tx->send(frame); }

		template <typename FN>
		bool send(size_t size, FN const &fill) { return _tx && _tx->send(size, fill); }

		template <typename FN>
		size_t receive(FN const &fn, size_t limit = SIZE_MAX) { return _rx ? _rx->receive(fn, limit) : 0; }

		/* Only valid after a successful 'connect' */
		Frame_sender   &tx() { return *_tx; }
		Frame_receiver &rx() { return *_rx; }
};


class nestbox::Nic::Connection : public nestbox::Connection<Nic::Client>, public Client_streams
{
	public:

		/*
		 * 'sigh' is the handler that receives frames. The server grants at
		 * most what its policy allows: see 'streams'.
		 */
		Connection(Env &env, Signal_context_capability &&sigh, std::string_view label = "",
		           Packet_stream::Geometry tx = default_geometry,
		           Packet_stream::Geometry rx = default_geometry)
		: nestbox::Connection<Nic::Client>(env, label, stream_args(tx, rx))
		{
			connect(static_cast<Nic::Client &>(*this), std::move(sigh), "Nic");
		}

		/* What the server says; all zeroes, or a link down, where it cannot be asked */
		bool valid() const { return Client_streams::valid(); }

		Mac_address mac_address() { auto m = Client::mac_address(); return m ? *m : Mac_address { }; }
		bool        link_state()  { auto l = Client::link_state();  return l && *l; }
};


class nestbox::Uplink::Connection : public nestbox::Connection<Uplink::Client>, public Nic::Client_streams
{
	public:

		/*
		 * A driver's session to the owner of the uplink, for as long as its
		 * link is up; 'state_quota' bytes on top of the streams pay for the
		 * owner's state on our behalf (Nic::stream_args)
		 */
		Connection(Env &env, Signal_context_capability &&sigh, Mac_address mac,
		           std::string_view label = "",
		           Packet_stream::Geometry tx = Nic::default_geometry,
		           Packet_stream::Geometry rx = Nic::default_geometry,
		           uint64_t state_quota = 0)
		: nestbox::Connection<Uplink::Client>(env, label,
			"mac_address=" + mac.string() + ", " + Nic::stream_args(tx, rx, state_quota))
		{
			connect(static_cast<Uplink::Client &>(*this), std::move(sigh), "Uplink");
		}

		bool valid() const { return Client_streams::valid(); }
};
