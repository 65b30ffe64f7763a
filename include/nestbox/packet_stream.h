/*
 * Packet streams: bulk data between two components through shared memory
 *
 * One dataspace holds a submit ring, an acknowledgement ring and a bulk
 * buffer, as Genode's Packet_stream_source/sink have them. The *source*
 * allocates a range of the bulk buffer for a packet, fills it (for a write)
 * and submits a descriptor; the *sink* takes descriptors, works on the range
 * each names and acknowledges it; the source takes the acknowledgements and
 * frees the ranges. Each ring has one producer and one consumer, so the
 * rings need no locks, only ordered loads and stores of their indices.
 *
 * Signals only where the peer waits: a consumer that found its ring empty
 * publishes the index it waits for (an "event index", as virtio's rings
 * have), and the producer signals it only when a batch reaches that index;
 * a producer that found its ring full does the same for the slot it waits
 * for. A peer that is still busy with what it took is never signalled, and
 * while both sides keep up, packets flow without a single system call.
 *
 * Nothing in shared memory is trusted. Each side keeps its own copy of the
 * stream's geometry and of its own ring index; the peer's index is checked
 * against the ring's size at every read, and a descriptor is copied out of
 * its slot before anything looks at it. The sink checks that a packet's
 * range lies inside the bulk buffer; the source accepts an acknowledgement
 * only for a packet it submitted and has not seen acknowledged. A peer that
 * breaks these rules ends the stream for itself ('broken()'), nothing more.
 * A sink holds at most as many unacknowledged packets as the ack ring has
 * slots, so a source that stops taking acknowledgements stalls only its own
 * stream.
 */
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include <nestbox/base/capability.h>
#include <nestbox/base/dataspace.h>
#include <nestbox/base/signal.h>

namespace nestbox::Packet_stream {

/*
 * What every descriptor type carries (Block::Packet, later Nic and audio
 * packets): the bulk range and a tag the source uses to recognise its
 * packet when it comes back. Everything else is the session's business.
 */
template <typename P>
concept Descriptor = std::is_trivially_copyable_v<P> && requires (P p) {
	{ p.offset } -> std::convertible_to<uint64_t>;
	{ p.size }   -> std::convertible_to<uint64_t>;
	{ p.tag }    -> std::convertible_to<uint32_t>;
};

/*
 * The size of a stream, agreed when the session is created. Both sides
 * derive the dataspace's layout from it; it is never read back from shared
 * memory.
 */
struct Geometry
{
	uint32_t slots     = 0;   /* entries per ring: a power of two, the queue depth */
	uint64_t bulk_size = 0;   /* bytes of the bulk buffer */

	static constexpr uint32_t MAX_SLOTS = 1u << 16;
	static constexpr uint64_t MAX_BULK  = 1ull << 32;

	bool valid() const
	{
		return slots && slots <= MAX_SLOTS && (slots & (slots - 1)) == 0 && bulk_size <= MAX_BULK;
	}

	/* The nearest valid geometry for what a client asked for, capped by 'limit' */
	static Geometry granted(uint64_t asked_slots, uint64_t asked_bulk, Geometry limit)
	{
		uint32_t slots = 1;
		while (slots < asked_slots && slots < limit.slots) slots <<= 1;
		return { slots, std::min(asked_bulk, limit.bulk_size) };
	}
};

/*
 * One ring's indices. What the producer writes lies on one cache line,
 * what the consumer writes on the other. The event indices are hints: a
 * peer that writes nonsense there loses its own wake-ups, nothing else.
 */
struct Ring_indices
{
	alignas(64) std::atomic<uint32_t> head;         /* producer's: next slot to fill */
	            std::atomic<uint32_t> tail_event;   /* producer's: signal me when the tail passes this */
	alignas(64) std::atomic<uint32_t> tail;         /* consumer's: next slot to take */
	            std::atomic<uint32_t> head_event;   /* consumer's: signal me when the head passes this */
};

/*
 * Whether moving an index from 'old_index' to 'new_index' passes 'event',
 * i.e. 'event' lies in [old_index, new_index), modulo 2^32 (virtio's
 * vring_need_event). An event index left behind by an earlier move lies
 * outside: a peer is signalled once per wait, not once per batch.
 */
inline bool passes(uint32_t event, uint32_t new_index, uint32_t old_index)
{
	return uint32_t(new_index - event - 1) < uint32_t(new_index - old_index);
}

/* An event index no move passes until the index wraps: "do not signal me" */
inline uint32_t no_event(uint32_t index) { return index - 1; }

struct Shared_header
{
	Ring_indices submit;
	Ring_indices ack;
};

/* Where each part lies in the dataspace */
template <Descriptor P>
struct Layout
{
	static constexpr size_t PAGE = 4096;

	size_t submit_ring, ack_ring, bulk, total;

	explicit Layout(Geometry g)
	{
		submit_ring = sizeof(Shared_header);
		ack_ring    = submit_ring + size_t(g.slots) * sizeof(P);
		bulk        = (ack_ring + size_t(g.slots) * sizeof(P) + PAGE - 1) & ~(PAGE - 1);
		total       = bulk + size_t(g.bulk_size);
	}
};


/*
 * The producing end of one ring. 'push' publishes a batch with one store
 * and says whether the consumer waits for it (the batch passes the
 * consumer's event index). A producer that finds the ring full asks to be
 * signalled when the consumer frees a slot.
 */
template <Descriptor P>
class Ring_producer
{
	private:

		Ring_indices &_indices;
		P            *_slots;
		uint32_t const _size;
		uint32_t      _head = 0;   /* ours; the copy in shared memory is only published */
		bool          _broken = false;

	public:

		/* Until the ring is first full, we wait for nothing */
		Ring_producer(Ring_indices &indices, P *slots, uint32_t size)
		: _indices(indices), _slots(slots), _size(size)
		{
			/* both indices start at 0 */
			_indices.tail_event.store(no_event(_head), std::memory_order_relaxed);
		}

		bool broken() const { return _broken; }

		/*
		 * Free slots; the consumer's tail is checked, never trusted. Finding
		 * none asks the consumer to signal us when it frees one.
		 */
		uint32_t space()
		{
			if (_broken) return 0;
			uint32_t const tail = _indices.tail.load(std::memory_order_acquire);
			uint32_t const used = _head - tail;
			if (used > _size) { _broken = true; return 0; }
			if (used < _size) return _size - used;

			/*
			 * Pairs with the fence in 'Ring_consumer::pop': either the consumer
			 * sees our event index after it moved its tail, or we see its new
			 * tail here.
			 */
			_indices.tail_event.store(tail, std::memory_order_relaxed);
			std::atomic_thread_fence(std::memory_order_seq_cst);
			uint32_t const again = _head - _indices.tail.load(std::memory_order_acquire);
			if (again > _size) { _broken = true; return 0; }
			return _size - again;
		}

		/*
		 * Push as many of 'packets' as fit. 'wake' is set when the consumer
		 * waits for what we pushed.
		 */
		size_t push(std::span<P const> packets, bool &wake)
		{
			uint32_t const n = uint32_t(std::min<size_t>(space(), packets.size()));
			if (!n) return 0;
			uint32_t const old_head = _head;
			for (uint32_t i = 0; i < n; i++)
				std::memcpy(&_slots[(_head + i) & (_size - 1)], &packets[i], sizeof(P));
			_head += n;
			_indices.head.store(_head, std::memory_order_release);

			/*
			 * Pairs with the fence in 'Ring_consumer::available': either we see
			 * the event index the consumer set when it found the ring empty
			 * (it may sleep: wake it), or it sees our new head before it sleeps.
			 */
			std::atomic_thread_fence(std::memory_order_seq_cst);
			if (passes(_indices.head_event.load(std::memory_order_relaxed), _head, old_head)) wake = true;
			return n;
		}
};


/*
 * The consuming end of one ring. 'pop' copies descriptors out of their
 * slots and says whether the producer waits for the slots it freed. A
 * consumer that finds the ring empty asks to be signalled by the next push:
 * one that takes until the ring is empty is sure to be woken for more.
 */
template <Descriptor P>
class Ring_consumer
{
	private:

		Ring_indices &_indices;
		P const      *_slots;
		uint32_t const _size;
		uint32_t      _tail = 0;   /* ours */
		bool          _broken = false;

	public:

		/* A fresh consumer waits for the first packet */
		Ring_consumer(Ring_indices &indices, P const *slots, uint32_t size)
		: _indices(indices), _slots(slots), _size(size)
		{
			_indices.head_event.store(_tail, std::memory_order_relaxed);
		}

		bool broken() const { return _broken; }

		/*
		 * Descriptors waiting; the producer's head is checked, never trusted.
		 * Finding none asks the producer to signal the next push.
		 */
		uint32_t available()
		{
			if (_broken) return 0;
			uint32_t avail = _indices.head.load(std::memory_order_acquire) - _tail;
			if (avail == 0) {
				/* see 'Ring_producer::push' */
				_indices.head_event.store(_tail, std::memory_order_relaxed);
				std::atomic_thread_fence(std::memory_order_seq_cst);
				avail = _indices.head.load(std::memory_order_acquire) - _tail;
			}
			if (avail > _size) { _broken = true; return 0; }
			return avail;
		}

		/* Descriptors waiting, without asking for a signal (polling) */
		uint32_t peek()
		{
			if (_broken) return 0;
			uint32_t const avail = _indices.head.load(std::memory_order_acquire) - _tail;
			if (avail > _size) { _broken = true; return 0; }
			return avail;
		}

		/*
		 * The producer need not signal: we poll ('peek'). Until 'available'
		 * finds the ring empty again, nothing is signalled.
		 */
		void quiet() { _indices.head_event.store(no_event(_tail), std::memory_order_relaxed); }

		size_t pop(std::span<P> out, bool &wake)
		{
			uint32_t const avail = available();
			uint32_t const n = uint32_t(std::min<size_t>(avail, out.size()));
			if (!n) return 0;
			for (uint32_t i = 0; i < n; i++)
				std::memcpy(&out[i], &_slots[(_tail + i) & (_size - 1)], sizeof(P));
			uint32_t const old_tail = _tail;
			_tail += n;
			_indices.tail.store(_tail, std::memory_order_release);

			/* see 'Ring_producer::space': a producer that found the ring full waits for us */
			std::atomic_thread_fence(std::memory_order_seq_cst);
			if (passes(_indices.tail_event.load(std::memory_order_relaxed), _tail, old_tail)) wake = true;
			return n;
		}
};


/*
 * Ranges of the bulk buffer, first fit with coalescing. Only the source
 * allocates (its own bookkeeping, in its own memory): nothing here is
 * shared with the peer.
 */
class Bulk_allocator
{
	private:

		std::map<uint64_t, uint64_t> _free { };   /* offset -> size */

	public:

		explicit Bulk_allocator(uint64_t size) { if (size) _free.emplace(0, size); }

		std::optional<uint64_t> alloc(uint64_t size, uint64_t align)
		{
			if (!align) align = 1;
			for (auto it = _free.begin(); it != _free.end(); ++it) {
				uint64_t const start = (it->first + align - 1) / align * align;
				uint64_t const end   = it->first + it->second;
				if (start > end || end - start < size) continue;

				uint64_t const before = start - it->first, after = end - (start + size);
				uint64_t const at     = it->first;
				_free.erase(it);
				if (before) _free.emplace(at, before);
				if (after)  _free.emplace(start + size, after);
				return start;
			}
			return std::nullopt;
		}

		void free(uint64_t offset, uint64_t size)
		{
			if (!size) return;
			auto next = _free.lower_bound(offset);
			if (next != _free.end() && next->first == offset + size) {
				size += next->second;
				next = _free.erase(next);
			}
			if (next != _free.begin()) {
				auto prev = std::prev(next);
				if (prev->first + prev->second == offset) { prev->second += size; return; }
			}
			_free.emplace(offset, size);
		}

		uint64_t largest() const
		{
			uint64_t m = 0;
			for (auto const &[o, s] : _free) m = std::max(m, s);
			return m;
		}
};


/* What both ends share: the mapped dataspace and its rings */
template <Descriptor P>
class Endpoint_base
{
	protected:

		Attached_dataspace  _ds;
		Geometry      const _geometry;
		Layout<P>     const _layout;
		Shared_header      &_header;

		P *_ring(size_t offset) { return reinterpret_cast<P *>(_ds.local_addr<char>() + offset); }

		Signal_context_capability _peer { };   /* the other side's handler */

		void _wake_peer() { if (_peer.valid()) Signal_transmitter::submit(_peer); }

		/*
		 * Take descriptors from 'ring' into 'out' until it is full or the ring
		 * empty, keeping those 'acceptable' accepts (compacted to the front)
		 * and counting the others in 'rejected'. Wakes the peer if it waits
		 * for the slots taken. The ring is looked at even when 'out' has no
		 * room: a caller that can take nothing now (a sink holding all it may)
		 * is still signalled for the next packet if the ring is empty.
		 */
		template <typename ACCEPTABLE>
		size_t _take(Ring_consumer<P> &ring, std::span<P> out, ACCEPTABLE const &acceptable, uint64_t &rejected)
		{
			bool   wake = false;
			size_t kept = 0;
			do {
				size_t const n = ring.pop(out.subspan(kept), wake);
				if (!n) break;
				size_t const end = kept + n;
				for (size_t i = kept; i < end; i++) {
					if (!acceptable(out[i])) { rejected++; continue; }
					out[kept++] = out[i];
				}
			} while (kept < out.size());
			if (wake) _wake_peer();
			return kept;
		}

	public:

		/* 'ds' must be at least as large as the geometry's layout (see 'fits') */
		Endpoint_base(Attached_dataspace &&ds, Geometry g)
		: _ds(std::move(ds)), _geometry(g), _layout(g),
		  _header(*_ds.local_addr<Shared_header>()) { }

		static bool fits(Attached_dataspace const &ds, Geometry g)
		{
			return g.valid() && ds.valid() && ds.size() >= Layout<P>(g).total;
		}

		Geometry geometry() const { return _geometry; }

		/* A capability of the stream's dataspace, for the peer */
		Dataspace_capability dataspace() const { return _ds.cap().copy(); }

		void peer_sigh(Signal_context_capability &&peer) { _peer = std::move(peer); }

		/* The bulk range of a packet, or an empty span where it lies outside */
		std::span<std::byte> content(P const &p)
		{
			if (p.offset > _geometry.bulk_size || p.size > _geometry.bulk_size - p.offset) return { };
			return { _ds.local_addr<std::byte>() + _layout.bulk + p.offset, size_t(p.size) };
		}
};


/* The side that allocates and submits packets: a Block client, say */
template <Descriptor P>
class Source : public Endpoint_base<P>
{
	private:

		using Base = Endpoint_base<P>;

		Ring_producer<P> _submit;
		Ring_consumer<P> _ack;
		Bulk_allocator   _bulk;

		/* packets handed out by 'alloc', by tag; a tag is reused after 'release' */
		struct In_flight { uint64_t offset = 0, size = 0; bool used = false, submitted = false; };
		std::vector<In_flight> _in_flight;
		std::vector<uint32_t>  _free_tags { };

		uint64_t _bad_acks = 0;

	public:

		/* The creator (the session's server) zeroes the dataspace; both sides start at index 0 */
		Source(Attached_dataspace &&ds, Geometry g)
		: Base(std::move(ds), g),
		  _submit(Base::_header.submit, Base::_ring(Base::_layout.submit_ring), g.slots),
		  _ack(Base::_header.ack, Base::_ring(Base::_layout.ack_ring), g.slots),
		  _bulk(g.bulk_size), _in_flight(g.slots)
		{
			for (uint32_t t = g.slots; t > 0; t--) _free_tags.push_back(t - 1);
		}

		/*
		 * A packet with 'size' bytes of the bulk buffer, aligned to 'align';
		 * nullopt when the buffer or the queue depth is exhausted (wait for
		 * acknowledgements, then try again)
		 */
		std::optional<P> alloc(uint64_t size, uint64_t align = 0, P p = { })
		{
			if (_free_tags.empty()) return std::nullopt;
			auto offset = size ? _bulk.alloc(size, align) : std::optional<uint64_t>(0);
			if (!offset) return std::nullopt;
			uint32_t const tag = _free_tags.back();
			_free_tags.pop_back();
			p.offset = *offset;
			p.size   = size;
			p.tag    = tag;
			_in_flight[tag] = { *offset, size, true, false };
			return p;
		}

		/* Give back a packet from 'alloc' that was never submitted, or one acknowledged */
		void release(P const &p)
		{
			if (p.tag >= _in_flight.size() || !_in_flight[p.tag].used) return;
			In_flight &f = _in_flight[p.tag];
			_bulk.free(f.offset, f.size);
			f = { };
			_free_tags.push_back(p.tag);
		}

		bool     broken()       { return _submit.broken() || _ack.broken(); }
		uint32_t submit_space() { return _submit.space(); }
		size_t   free_tags()    const { return _free_tags.size(); }
		uint64_t bad_acks()     const { return _bad_acks; }
		uint64_t largest_free() const { return _bulk.largest(); }

		/* Submit a batch; returns how many went in */
		size_t submit(std::span<P const> packets)
		{
			bool wake = false;
			size_t const n = _submit.push(packets, wake);
			for (size_t i = 0; i < n; i++)
				if (packets[i].tag < _in_flight.size()) _in_flight[packets[i].tag].submitted = true;
			if (wake) Base::_wake_peer();
			return n;
		}

		bool submit(P const &p) { return submit(std::span<P const>(&p, 1)) == 1; }

		/*
		 * Polling for acknowledgements instead of waiting for a signal
		 * (base/busy_poll.h): 'quiet' tells the sink not to signal,
		 * 'acks_ready' looks without asking for anything, 'listen' asks for
		 * a signal again and says whether acknowledgements came meanwhile.
		 */
		void quiet()      { _ack.quiet(); }
		bool acks_ready() { return _ack.peek() > 0; }
		bool listen()     { return _ack.available() > 0; }

		/*
		 * Take acknowledged packets. An acknowledgement the source cannot match
		 * to a packet it submitted (an unknown tag, another range, a second ack)
		 * is dropped and counted in 'bad_acks'. Each returned packet is still
		 * allocated: 'release' it when done with its content.
		 */
		size_t get_acked(std::span<P> out)
		{
			return Base::_take(_ack, out, [&] (P const &p) {
				if (p.tag >= _in_flight.size()) return false;
				In_flight &f = _in_flight[p.tag];
				if (!f.submitted || f.offset != p.offset || f.size != p.size) return false;
				f.submitted = false;   /* a second ack of it is refused */
				return true;
			}, _bad_acks);
		}
};


/* The side that takes packets, works on them and acknowledges them: a Block server */
template <Descriptor P>
class Sink : public Endpoint_base<P>
{
	private:

		using Base = Endpoint_base<P>;

		Ring_consumer<P> _submit;
		Ring_producer<P> _ack;

		uint32_t _held = 0;   /* taken, not yet acknowledged */
		uint64_t _bad_packets = 0;

	public:

		Sink(Attached_dataspace &&ds, Geometry g)
		: Base(std::move(ds), g),
		  _submit(Base::_header.submit, Base::_ring(Base::_layout.submit_ring), g.slots),
		  _ack(Base::_header.ack, Base::_ring(Base::_layout.ack_ring), g.slots) { }

		bool     broken()      { return _submit.broken() || _ack.broken(); }
		uint32_t held()        const { return _held; }
		uint64_t bad_packets() const { return _bad_packets; }

		/*
		 * Take packets, at most as many as can still be acknowledged. A packet
		 * whose range lies outside the bulk buffer is dropped and counted in
		 * 'bad_packets'; every returned packet must be acknowledged.
		 */
		size_t get_packets(std::span<P> out)
		{
			uint32_t const room = Base::_geometry.slots - _held;
			size_t const n = Base::_take(_submit, out.first(std::min<size_t>(out.size(), room)),
			                             [&] (P const &p) {
				return p.offset <= Base::_geometry.bulk_size
				    && p.size   <= Base::_geometry.bulk_size - p.offset; }, _bad_packets);
			_held += uint32_t(n);
			return n;
		}

		/* Acknowledge a batch of packets taken with 'get_packets' */
		size_t ack(std::span<P const> packets)
		{
			bool wake = false;
			size_t const n = _ack.push(packets, wake);
			_held -= uint32_t(std::min<size_t>(n, _held));
			if (wake) Base::_wake_peer();
			return n;
		}

		bool ack(P const &p) { return ack(std::span<P const>(&p, 1)) == 1; }

		/*
		 * Polling for packets instead of waiting for a signal, as at the
		 * source: only packets the sink may take count
		 */
		void quiet() { _submit.quiet(); }
		bool ready() { return _held < Base::_geometry.slots && _submit.peek() > 0; }
		bool listen()
		{
			bool const any = _submit.available() > 0;
			return any && _held < Base::_geometry.slots;
		}
};

} /* namespace nestbox::Packet_stream */
