/*
 * Ethernet frames over packet streams: the sending and the receiving end
 *
 * What every Nic and Uplink endpoint shares, client or server: a
 * 'Frame_sender' owns the source of one stream, a 'Frame_receiver' the
 * sink of the other. Neither ever waits for the peer. A sender whose
 * stream has no room (the peer stopped acknowledging, or is slow) drops
 * the frame and counts it; a receiver that cannot hand acknowledgements
 * back (the peer stopped taking them) keeps them and takes no more frames
 * until they are out, so a stuck peer stalls its own stream and nothing
 * else. A frame shorter than an Ethernet header or longer than
 * 'Nic::MAX_FRAME', or whose range lies outside the buffer, is acknowledged
 * unseen and counted.
 */
#pragma once

#include <vector>

#include <nestbox/session/nic.h>

namespace nestbox::Nic {

	class Frame_sender;
	class Frame_receiver;
}


class nestbox::Nic::Frame_sender
{
	private:

		Packet_stream::Source<Packet> _source;

		uint64_t _sent = 0, _dropped = 0;

	public:

		Frame_sender(Attached_dataspace &&ds, Packet_stream::Geometry g) : _source(std::move(ds), g) { }

		static bool fits(Attached_dataspace const &ds, Packet_stream::Geometry g) {
			return Packet_stream::Source<Packet>::fits(ds, g); }

		void peer_sigh(Signal_context_capability &&cap) { _source.peer_sigh(std::move(cap)); }
		Dataspace_capability dataspace() const { return _source.dataspace(); }

		/* Take acknowledgements: the frames' buffer ranges are free again */
		void collect_acks()
		{
			Packet acked[64];
			while (size_t const n = _source.get_acked(acked))
				for (size_t i = 0; i < n; i++) _source.release(acked[i]);
		}

		/*
		 * Send a frame of 'size' bytes that 'fill(std::span<std::byte>)'
		 * writes into the stream's buffer. False (and counted as dropped)
		 * when the stream has no room now.
		 */
		template <typename FN>
		bool send(size_t size, FN const &fill)
		{
			collect_acks();
			if (size < MIN_FRAME || size > MAX_FRAME || _source.broken() || !_source.submit_space()) {
				_dropped++;
				return false;
			}
			auto p = _source.alloc(size);
			if (!p) { _dropped++; return false; }
			fill(_source.content(*p));
			_source.submit(*p);
			_sent++;
			return true;
		}

		bool send(std::span<std::byte const> frame)
		{
			return send(frame.size(), [&] (std::span<std::byte> dst) {
				std::memcpy(dst.data(), frame.data(), frame.size()); });
		}

		/* Whether a frame of 'size' bytes would fit now */
		bool ready(size_t size)
		{
			collect_acks();
			return !_source.broken() && _source.submit_space() && _source.largest_free() >= size;
		}

		bool     broken()   { return _source.broken(); }
		uint64_t sent()     const { return _sent; }
		uint64_t dropped()  const { return _dropped; }
		uint64_t bad_acks() const { return _source.bad_acks(); }
};


class nestbox::Nic::Frame_receiver
{
	private:

		Packet_stream::Sink<Packet> _sink;

		std::vector<Packet> _unacked { };   /* taken, the ack ring had no room */

		uint64_t _received = 0, _bad_size = 0;

		void _ack(std::span<Packet const> packets)
		{
			size_t done = _unacked.empty() ? _sink.ack(packets) : 0;
			_unacked.insert(_unacked.end(), packets.begin() + done, packets.end());
		}

	public:

		Frame_receiver(Attached_dataspace &&ds, Packet_stream::Geometry g) : _sink(std::move(ds), g) { }

		static bool fits(Attached_dataspace const &ds, Packet_stream::Geometry g) {
			return Packet_stream::Sink<Packet>::fits(ds, g); }

		void peer_sigh(Signal_context_capability &&cap) { _sink.peer_sigh(std::move(cap)); }
		Dataspace_capability dataspace() const { return _sink.dataspace(); }

		/*
		 * Hand each waiting frame to 'fn(std::span<std::byte const>)' and
		 * acknowledge it; at most 'limit' frames (a receiver that must not
		 * take more than it can pass on). Returns how many were handed over.
		 */
		template <typename FN>
		size_t receive(FN const &fn, size_t limit = SIZE_MAX)
		{
			if (!_unacked.empty()) {
				size_t const n = _sink.ack(_unacked);
				_unacked.erase(_unacked.begin(), _unacked.begin() + long(n));
				if (!_unacked.empty()) return 0;
			}
			size_t handed = 0;
			Packet batch[64];
			while (handed < limit) {
				size_t const n = _sink.get_packets(std::span<Packet>(batch).first(
					std::min<size_t>(64, limit - handed)));
				if (!n) break;
				for (size_t i = 0; i < n; i++) {
					Packet const &p = batch[i];
					if (p.size < MIN_FRAME || p.size > MAX_FRAME) { _bad_size++; continue; }
					fn(std::span<std::byte const>(_sink.content(p)));
					_received++;
					handed++;
				}
				_ack(std::span<Packet const>(batch, n));
				if (!_unacked.empty()) break;
			}
			return handed;
		}

		bool     broken()      { return _sink.broken(); }
		uint64_t received()    const { return _received; }

		/* Frames dropped unseen: a bad size, or a range outside the buffer */
		uint64_t bad_frames()  const { return _bad_size + _sink.bad_packets(); }
};
