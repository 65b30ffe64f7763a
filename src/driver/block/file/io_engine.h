/*
 * How block_file reaches the kernel: io_uring, or plain pread/pwrite
 */
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <fcntl.h>
#include <liburing.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <nestbox/block/server.h>
#include <nestbox/log.h>

namespace Block_file {

	using namespace nestbox;

	struct Io_engine;
	class  Uring_engine;
	class  Sync_engine;
}


struct Block_file::Io_engine
{
	virtual ~Io_engine() = default;

	virtual char const *name() const = 0;

	/* Start one request at byte 'offset' of the file; false: full, try after a completion */
	virtual bool start(Block::Session_component &, Block::Packet const &,
	                   std::span<std::byte> payload, uint64_t offset) = 0;

	/* Hand the requests started since the last call to the kernel */
	virtual void submit_batch() { }

	/* The session ends: its requests' completions go nowhere */
	virtual void forget(Block::Session_component &) { }

	static std::unique_ptr<Io_engine> create(Env &, int fd, bool want_uring, unsigned depth);
};


/*
 * Each request in flight has a slot; its index is the io_uring user data.
 * The ring's descriptor is watched by the entrypoint: it becomes readable
 * when completions are there. While requests are in flight the entrypoint
 * may poll the completion queue instead (base/busy_poll.h), where the
 * config sets a bound.
 */
class Block_file::Uring_engine : public Io_engine, private Io_handler, private Poll_source
{
	private:

		struct Slot
		{
			Block::Session_component *session = nullptr;   /* nullptr: free */
			Block::Packet             packet { };
			int                       expected = 0;       /* bytes, for reads and writes */
		};

		Entrypoint       &_ep;
		int const         _fd;
		io_uring          _ring { };
		std::vector<Slot> _slots;
		std::vector<uint32_t> _free { };
		unsigned          _unsubmitted = 0;

		/* sessions refused for want of a slot, woken by the next completion */
		std::vector<Block::Session_component *> _refused { };

		bool _told_short = false;

		void _complete(io_uring_cqe const &cqe)
		{
			uint32_t const index = uint32_t(cqe.user_data);
			if (index >= _slots.size() || !_slots[index].session) return;
			Slot &slot = _slots[index];
			bool const ok = slot.packet.operation.has_payload() ? cqe.res == slot.expected : cqe.res >= 0;
			if (!ok && !_told_short)
				warning(Block::type_name(slot.packet.operation.type), " of block ",
				        slot.packet.operation.block_number, " failed: ",
				        cqe.res < 0 ? std::strerror(-cqe.res) : "short transfer",
				        " (further failures are not logged)");
			_told_short |= !ok;
			Block::Session_component &session = *slot.session;
			Block::Packet const packet = slot.packet;
			slot = { };
			_free.push_back(index);
			session.complete(packet, ok);
		}

		void _reap()
		{
			io_uring_cqe *cqe = nullptr;
			unsigned head, seen = 0;
			io_uring_for_each_cqe(&_ring, head, cqe) {
				_complete(*cqe);
				seen++;
			}
			io_uring_cq_advance(&_ring, seen);

			for (auto *s : _refused) s->wakeup();
			_refused.clear();
		}

		void handle_io(uint32_t) override { _reap(); }

		/* Poll_source: completions are in the ring's memory, no system call needed to see them */
		bool expecting() override { return _free.size() < _slots.size(); }
		bool ready()     override { return io_uring_cq_ready(&_ring) > 0; }
		void handle()    override { _reap(); }

	public:

		Uring_engine(Entrypoint &ep, int fd, io_uring const &ring, unsigned depth)
		: _ep(ep), _fd(fd), _ring(ring), _slots(depth)
		{
			for (uint32_t i = depth; i > 0; i--) _free.push_back(i - 1);
			_ep.watch(_ring.ring_fd, *this, EPOLLIN);
			_ep.busy_poll().add(*this);
		}

		~Uring_engine()
		{
			_ep.busy_poll().remove(*this);
			_ep.unwatch(_ring.ring_fd);
			io_uring_queue_exit(&_ring);
		}

		char const *name() const override { return "io_uring"; }

		bool start(Block::Session_component &session, Block::Packet const &p,
		           std::span<std::byte> payload, uint64_t offset) override
		{
			if (_free.empty()) { _refused.push_back(&session); return false; }
			io_uring_sqe *sqe = io_uring_get_sqe(&_ring);
			if (!sqe) {
				submit_batch();
				sqe = io_uring_get_sqe(&_ring);
				if (!sqe) { _refused.push_back(&session); return false; }
			}

			uint32_t const index = _free.back();
			_free.pop_back();
			Slot &slot = _slots[index];
			slot = { &session, p, int(payload.size()) };

			switch (p.operation.type) {
			case Block::Operation::Type::READ:
				io_uring_prep_read(sqe, _fd, payload.data(), unsigned(payload.size()), offset); break;
			case Block::Operation::Type::WRITE:
				io_uring_prep_write(sqe, _fd, payload.data(), unsigned(payload.size()), offset); break;
			case Block::Operation::Type::SYNC:
				io_uring_prep_fsync(sqe, _fd, 0); break;
			case Block::Operation::Type::TRIM:
				io_uring_prep_fallocate(sqe, _fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset,
				                        uint64_t(p.operation.count) * session.device().block_size);
				break;
			default:
				break;
			}
			io_uring_sqe_set_data64(sqe, index);
			_unsubmitted++;
			return true;
		}

		void submit_batch() override
		{
			if (!_unsubmitted) return;
			int const r = io_uring_submit(&_ring);
			if (r < 0) error("io_uring_submit: ", std::strerror(-r));
			else _unsubmitted -= std::min(_unsubmitted, unsigned(r));

			/*
			 * What the kernel completed while submitting (a read from the page
			 * cache, say) is acknowledged now, without a round through epoll
			 */
			_reap();
		}

		/*
		 * The session's memory goes away after this: the kernel must be done
		 * with every buffer of it first. This waits for the kernel only,
		 * never for a client.
		 */
		void forget(Block::Session_component &session) override
		{
			submit_batch();
			std::erase(_refused, &session);
			auto in_flight = [&] {
				for (Slot const &s : _slots) if (s.session == &session) return true;
				return false;
			};
			while (in_flight()) {
				io_uring_cqe *cqe = nullptr;
				if (io_uring_wait_cqe(&_ring, &cqe) < 0) break;
				uint32_t const index = uint32_t(cqe->user_data);
				if (index < _slots.size() && _slots[index].session == &session) {
					_slots[index] = { };
					_free.push_back(index);
				} else {
					_complete(*cqe);
				}
				io_uring_cqe_seen(&_ring, cqe);
			}
		}
};


/* Where io_uring is missing or forbidden: one request at a time, at once */
class Block_file::Sync_engine : public Io_engine
{
	private:

		int const _fd;

	public:

		explicit Sync_engine(int fd) : _fd(fd) { }

		char const *name() const override { return "pread/pwrite"; }

		bool start(Block::Session_component &session, Block::Packet const &p,
		           std::span<std::byte> payload, uint64_t offset) override
		{
			ssize_t r = 0;
			switch (p.operation.type) {
			case Block::Operation::Type::READ:  r = ::pread(_fd, payload.data(), payload.size(), off_t(offset)); break;
			case Block::Operation::Type::WRITE: r = ::pwrite(_fd, payload.data(), payload.size(), off_t(offset)); break;
			case Block::Operation::Type::SYNC:  r = ::fsync(_fd); break;
			case Block::Operation::Type::TRIM:
				r = ::fallocate(_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off_t(offset),
				                off_t(uint64_t(p.operation.count) * session.device().block_size));
				break;
			default: break;
			}
			bool const ok = p.operation.has_payload() ? r == ssize_t(payload.size()) : r == 0;
			session.complete(p, ok);
			return true;
		}
};


inline std::unique_ptr<Block_file::Io_engine>
Block_file::Io_engine::create(Env &env, int fd, bool want_uring, unsigned depth)
{
	if (!want_uring) {
		log("io_uring is off in the config: using pread/pwrite");
		return std::make_unique<Sync_engine>(fd);
	}
	depth = std::clamp(depth, 1u, 4096u);
	io_uring ring { };
	int const r = io_uring_queue_init(depth, &ring, 0);
	if (r < 0) {
		warning("io_uring is not available (", std::strerror(-r), "): using pread/pwrite, one request at a time");
		return std::make_unique<Sync_engine>(fd);
	}
	return std::make_unique<Uring_engine>(env.ep(), fd, ring, depth);
}
