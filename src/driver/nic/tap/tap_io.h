/*
 * How nic_tap reaches its device: io_uring in batches, or read/write
 *
 * With io_uring, RX_SLOTS reads are always in flight, each into a buffer
 * of its own; the ring's descriptor is watched by the entrypoint, and one
 * round takes every completion, hands the frames on, and re-arms the reads
 * with a single io_uring_enter that also carries the writes queued since.
 * Writes are queued (copied into one of TX_SLOTS buffers) as the client's
 * frames arrive and submitted together when a batch is over ('flush'); a
 * frame with no free buffer is dropped, as a NIC with a full queue drops
 * it. Where io_uring is missing or forbidden, each frame is one read or
 * write on the non-blocking descriptor, up to BATCH reads per round.
 */
#pragma once

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <liburing.h>
#include <memory>
#include <span>
#include <sys/epoll.h>
#include <unistd.h>
#include <vector>

#include <nestbox/base/entrypoint.h>
#include <nestbox/log.h>
#include <nestbox/session/nic.h>
#include <nestbox/util/rate_limited_warning.h>

namespace Nic_tap {

	using namespace nestbox;

	struct Frame_sink { virtual void frame_from_device(std::span<std::byte const>) = 0; };

	struct Tap_io;
	class  Plain_io;
	class  Uring_io;

	/* io_uring where the kernel gives one ('use_uring'), else read/write */
	std::unique_ptr<Tap_io> create_tap_io(Entrypoint &, int fd, std::string const &name,
	                                      Frame_sink &, bool use_uring);
}


struct Nic_tap::Tap_io
{
	uint64_t from_device = 0, to_device = 0, dropped = 0;

	virtual ~Tap_io() = default;

	/* Queue a frame for the device; it goes out by the next 'flush' at the latest */
	virtual void write(std::span<std::byte const>) = 0;

	/* A batch is over: hand the queued frames to the device */
	virtual void flush() { }

	virtual char const *name() const = 0;
};


class Nic_tap::Plain_io : public Tap_io, private Io_handler
{
	private:

		static constexpr unsigned BATCH = 64;

		Entrypoint        &_ep;
		int const          _fd;
		std::string const  _name;
		Frame_sink        &_sink;
		Rate_limited_warning _write_failed { };

		void handle_io(uint32_t events) override
		{
			if (events & (EPOLLERR | EPOLLHUP)) {
				error("TAP ", _name, ": the device failed");
				_ep.unwatch(_fd);
				return;
			}
			std::byte buf[Nic::MAX_FRAME];
			for (unsigned i = 0; i < BATCH; i++) {
				ssize_t const n = ::read(_fd, buf, sizeof(buf));
				if (n < 0) break;   /* EAGAIN: drained; level-triggered, so the rest comes next round */
				if (size_t(n) < Nic::MIN_FRAME) continue;
				from_device++;
				_sink.frame_from_device({ buf, size_t(n) });
			}
		}

	public:

		Plain_io(Entrypoint &ep, int fd, std::string const &name, Frame_sink &sink)
		: _ep(ep), _fd(fd), _name(name), _sink(sink) { _ep.watch(_fd, *this, EPOLLIN); }

		~Plain_io() { _ep.unwatch(_fd); }

		void write(std::span<std::byte const> frame) override
		{
			ssize_t const n = ::write(_fd, frame.data(), frame.size());
			if (n == ssize_t(frame.size())) { to_device++; return; }
			dropped++;
			_write_failed("TAP ", _name, ": a frame of ", frame.size(), " bytes was dropped: ",
			              n < 0 ? std::strerror(errno) : "short write");
		}

		char const *name() const override { return "read/write"; }
};


class Nic_tap::Uring_io : public Tap_io, private Io_handler
{
	public:

		static constexpr unsigned RX_SLOTS = 32, TX_SLOTS = 64;

	private:

		static constexpr uint64_t TX_FLAG = 1ull << 32;

		Entrypoint        &_ep;
		int const          _fd;
		std::string const  _name;
		Frame_sink        &_sink;
		io_uring           _ring;

		using Buffer = std::array<std::byte, Nic::MAX_FRAME>;
		std::vector<Buffer>   _rx { RX_SLOTS }, _tx { TX_SLOTS };
		std::vector<unsigned> _tx_free { };
		unsigned              _queued = 0;   /* prepared, not yet submitted */

		Rate_limited_warning _failed { };
		bool _stopped = false;

		io_uring_sqe *_sqe()
		{
			io_uring_sqe *sqe = io_uring_get_sqe(&_ring);
			if (!sqe) { flush(); sqe = io_uring_get_sqe(&_ring); }
			return sqe;
		}

		void _arm_read(unsigned slot)
		{
			io_uring_sqe *sqe = _sqe();
			if (!sqe) return;
			io_uring_prep_read(sqe, _fd, _rx[slot].data(), unsigned(_rx[slot].size()), uint64_t(-1));
			io_uring_sqe_set_data64(sqe, slot);
			_queued++;
		}

		void handle_io(uint32_t) override
		{
			unsigned head, seen = 0;
			io_uring_cqe *cqe = nullptr;
			std::vector<unsigned> rearm;
			io_uring_for_each_cqe(&_ring, head, cqe) {
				seen++;
				uint64_t const data = io_uring_cqe_get_data64(cqe);
				int const res = cqe->res;
				if (data & TX_FLAG) {
					_tx_free.push_back(unsigned(data & 0xffffffff));
					if (res < 0) { dropped++; _failed("TAP ", _name, ": a write failed: ", std::strerror(-res)); }
					else to_device++;
					continue;
				}
				unsigned const slot = unsigned(data);
				if (slot >= RX_SLOTS) continue;
				if (res >= int(Nic::MIN_FRAME)) {
					from_device++;
					_sink.frame_from_device({ _rx[slot].data(), size_t(res) });
				} else if (res < 0 && res != -EAGAIN && res != -EINTR) {
					_failed("TAP ", _name, ": a read failed: ", std::strerror(-res));
					if (res == -EBADF || res == -EBADFD) { _stopped = true; continue; }
				}
				rearm.push_back(slot);
			}
			io_uring_cq_advance(&_ring, seen);
			if (!_stopped) for (unsigned slot : rearm) _arm_read(slot);
			flush();
		}

	public:

		/* 'ring' is initialised; the descriptor is switched to blocking (io_uring waits for it) */
		Uring_io(Entrypoint &ep, int fd, std::string const &name, Frame_sink &sink, io_uring const &ring)
		: _ep(ep), _fd(fd), _name(name), _sink(sink), _ring(ring)
		{
			::fcntl(_fd, F_SETFL, ::fcntl(_fd, F_GETFL) & ~O_NONBLOCK);
			for (unsigned i = TX_SLOTS; i > 0; i--) _tx_free.push_back(i - 1);
			for (unsigned i = 0; i < RX_SLOTS; i++) _arm_read(i);
			flush();
			_ep.watch(_ring.ring_fd, *this, EPOLLIN);
		}

		~Uring_io()
		{
			_ep.unwatch(_ring.ring_fd);
			io_uring_queue_exit(&_ring);
		}

		void write(std::span<std::byte const> frame) override
		{
			if (_tx_free.empty() || frame.size() > Nic::MAX_FRAME) {
				dropped++;
				_failed("TAP ", _name, ": the device's write queue is full; a frame was dropped");
				return;
			}
			io_uring_sqe *sqe = _sqe();
			if (!sqe) { dropped++; return; }
			unsigned const slot = _tx_free.back();
			_tx_free.pop_back();
			std::memcpy(_tx[slot].data(), frame.data(), frame.size());
			io_uring_prep_write(sqe, _fd, _tx[slot].data(), unsigned(frame.size()), uint64_t(-1));
			io_uring_sqe_set_data64(sqe, TX_FLAG | slot);
			_queued++;
		}

		void flush() override
		{
			if (!_queued) return;
			int const r = io_uring_submit(&_ring);
			if (r < 0) _failed("TAP ", _name, ": io_uring_submit: ", std::strerror(-r));
			else _queued = 0;
		}

		char const *name() const override { return "io_uring"; }
};


inline std::unique_ptr<Nic_tap::Tap_io>
Nic_tap::create_tap_io(Entrypoint &ep, int fd, std::string const &name, Frame_sink &sink, bool use_uring)
{
	if (use_uring) {
		io_uring ring { };
		int const r = io_uring_queue_init(2 * (Uring_io::RX_SLOTS + Uring_io::TX_SLOTS), &ring, 0);
		if (r == 0) return std::make_unique<Uring_io>(ep, fd, name, sink, ring);
		warning("TAP ", name, ": no io_uring (", std::strerror(-r), "): one read or write per frame");
	}
	return std::make_unique<Plain_io>(ep, fd, name, sink);
}
