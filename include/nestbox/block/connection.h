/*
 * The client side of the Block session: a connection with jobs
 *
 * As Genode's Block::Connection<JOB>: a client describes each request as a
 * job (an operation on a range of blocks) and calls 'update_jobs' whenever
 * its signal handler runs. 'update_jobs' collects acknowledgements, hands
 * read data to the policy, submits waiting jobs as far as the stream has
 * room (asking the policy for the data of writes) and reports each finished
 * job. A job larger than a quarter of the buffer is split into several
 * packets, so that several are in flight at once; its completion comes once,
 * after the last of them, successful only if all were.
 *
 *   struct Policy {
 *     void produce_write_content(Job &, uint64_t offset, std::span<std::byte> dst);
 *     void consume_read_result(Job &, uint64_t offset, std::span<std::byte const> src);
 *     void completed(Job &, bool success);
 *   };
 *
 * 'offset' is the byte offset within the job. A job must stay alive until
 * 'completed' was called for it.
 */
#pragma once

#include <list>
#include <optional>

#include <nestbox/connection.h>
#include <nestbox/packet_stream.h>
#include <nestbox/session/block.h>
#include <nestbox/util/arg_string.h>

namespace nestbox::Block {

	struct Job;
	class  Connection;
	template <typename T> class Ack_poller;
}


struct nestbox::Block::Job
{
	Operation const operation;

	/* progress, in blocks (a sync counts as one) */
	uint32_t submitted = 0, done = 0;
	bool     failed    = false;
	bool     cancelled = false;   /* no more parts go out; see 'Connection::cancel' */

	explicit Job(Operation op) : operation(op) { }
	virtual ~Job() = default;

	uint32_t total() const
	{
		return operation.has_payload() || operation.type == Operation::Type::TRIM ? operation.count : 1;
	}

	bool finished() const { return done == (cancelled ? submitted : total()); }
};


class nestbox::Block::Connection : public nestbox::Connection<Block::Client>
{
	private:

		static std::string _args(uint32_t queue_depth, uint64_t buffer)
		{
			Packet_stream::Geometry const g = Packet_stream::Geometry::granted(
				queue_depth, buffer, { Packet_stream::Geometry::MAX_SLOTS, Packet_stream::Geometry::MAX_BULK });
			return "queue_depth=" + std::to_string(g.slots) + ", tx_buf_size=" + std::to_string(g.bulk_size)
			     + ", ram_quota=" + std::to_string(Session::ram_quota(g));
		}

		Info   _info   { };
		Stream _stream { };
		std::optional<Packet_stream::Source<Packet>> _source { };

		std::list<Job *> _pending { };           /* not yet fully submitted */
		std::vector<Job *> _job_of_tag { };      /* in flight, by packet tag */
		uint32_t _blocks_per_packet = 1;

		void _connect(Signal_context_capability &&sigh)
		{
			auto info   = Client::info();
			auto stream = Client::stream();
			auto ds     = Client::tx_dataspace();
			if (!info || !stream || !ds) {
				error("Block session: cannot set up its stream");
				return;
			}
			_info   = *info;
			_stream = *stream;

			Attached_dataspace attached(std::move(*ds));
			if (!Packet_stream::Source<Packet>::fits(attached, _stream.geometry())) {
				error("Block session: the server's dataspace does not fit its stream");
				return;
			}
			_source.emplace(std::move(attached), _stream.geometry());
			_job_of_tag.assign(_stream.queue_depth, nullptr);

			auto server_sigh = Client::tx_sigh(std::move(sigh));
			if (server_sigh) _source->peer_sigh(std::move(*server_sigh));

			/* a quarter of the buffer per packet, whole blocks, at least one */
			uint64_t const per_packet = _info.block_size ? _stream.buffer_size / 4 / _info.block_size : 0;
			_blocks_per_packet = uint32_t(std::clamp<uint64_t>(per_packet, 1, UINT32_MAX));
		}

		template <typename POLICY>
		bool _collect_acks(POLICY &policy)
		{
			bool progress = false;
			Packet acked[32];
			while (size_t const n = _source->get_acked(acked)) {
				progress = true;
				for (size_t i = 0; i < n; i++) {
					Packet const &p = acked[i];
					Job *job = _job_of_tag[p.tag];
					_job_of_tag[p.tag] = nullptr;
					if (!job) { _source->release(p); continue; }

					Operation const &op = p.operation;
					if (!p.success || job->cancelled) job->failed = true;
					else if (op.type == Operation::Type::READ) {
						auto content = _source->content(p);
						uint64_t const offset = (op.block_number - job->operation.block_number) * _info.block_size;
						policy.consume_read_result(*job, offset, std::span<std::byte const>(content));
					}
					job->done += op.has_payload() || op.type == Operation::Type::TRIM ? op.count : 1;
					_source->release(p);
					if (job->finished()) policy.completed(*job, !job->failed);
				}
			}
			return progress;
		}

		template <typename POLICY>
		bool _submit_pending(POLICY &policy)
		{
			bool progress = false;
			while (!_pending.empty()) {
				Job &job = *_pending.front();
				Operation const &op = job.operation;
				if (job.cancelled) { _pending.pop_front(); continue; }

				uint32_t const total = job.total();
				uint32_t const count = op.type == Operation::Type::SYNC ? 0
				                     : std::min(total - job.submitted, _blocks_per_packet);

				Packet p { };
				p.operation = { op.type, op.type == Operation::Type::SYNC ? op.count : count,
				                op.block_number + job.submitted };
				uint64_t const bytes = op.has_payload() ? uint64_t(count) * _info.block_size : 0;

				if (_source->submit_space() == 0) break;
				auto packet = _source->alloc(bytes, uint64_t(1) << _info.align_log2, p);
				if (!packet) break;

				if (op.type == Operation::Type::WRITE)
					policy.produce_write_content(job, uint64_t(job.submitted) * _info.block_size,
					                             _source->content(*packet));

				_job_of_tag[packet->tag] = &job;
				_source->submit(*packet);
				progress = true;

				job.submitted += op.type == Operation::Type::SYNC ? 1 : count;
				if (job.submitted >= total) _pending.pop_front();
			}
			return progress;
		}

	public:

		/*
		 * 'sigh' is the handler that calls 'update_jobs'. The server grants
		 * at most what its policy allows: see 'stream'.
		 */
		Connection(Env &env, Signal_context_capability &&sigh, uint32_t queue_depth = 16,
		           uint64_t buffer = 1ull << 20, std::string_view label = "")
		: nestbox::Connection<Block::Client>(env, label, _args(queue_depth, buffer))
		{
			_connect(std::move(sigh));
		}

		bool   valid()  const { return _source.has_value(); }
		Info   info()   const { return _info; }
		Stream stream() const { return _stream; }

		/* Acknowledgements the server sent for packets we never submitted */
		uint64_t bad_acks() const { return _source ? _source->bad_acks() : 0; }

		/* Queue a job; it is submitted by the next 'update_jobs' */
		void submit(Job &job) { _pending.push_back(&job); }

		/*
		 * Send no more of a job. True: nothing of it is in flight, it may be
		 * destroyed now. False: its parts in flight complete it later (as
		 * failed, with no read data handed over); keep it alive until then.
		 */
		bool cancel(Job &job)
		{
			job.cancelled = true;
			if (!job.finished()) return false;
			std::erase(_pending, &job);
			return true;
		}

		/* Move the stream on; returns whether anything happened */
		template <typename POLICY>
		bool update_jobs(POLICY &policy)
		{
			if (!_source) return false;
			bool progress = false;
			for (;;) {
				bool const acked     = _collect_acks(policy);
				bool const submitted = _submit_pending(policy);
				if (!acked && !submitted) break;
				progress = true;
			}
			return progress;
		}

		/* Jobs submitted but not finished, and jobs not yet (fully) submitted */
		size_t pending() const { return _pending.size(); }

		/* Packets submitted and not yet acknowledged */
		bool in_flight() const { return _source && _source->free_tags() < _stream.queue_depth; }

		/* Polling for acknowledgements (Ack_poller, Packet_stream::Source) */
		void quiet()      { if (_source) _source->quiet(); }
		bool acks_ready() { return _source && _source->acks_ready(); }
		bool listen()     { return _source && _source->listen(); }
};


/*
 * Lets a client's entrypoint poll for acknowledgements while requests are
 * in flight rather than sleep until the server signals (base/busy_poll.h;
 * the component sets the entrypoint's bound). 'fn' is what the client's
 * signal handler calls: it runs when acknowledgements arrive.
 */
template <typename T>
class nestbox::Block::Ack_poller : private Poll_source
{
	private:

		Entrypoint &_ep;
		Connection &_connection;
		T          &_obj;
		void (T::*_fn)();

		bool expecting() override { return _connection.in_flight(); }
		void quiet()     override { _connection.quiet(); }
		bool ready()     override { return _connection.acks_ready(); }
		bool listen()    override { return _connection.listen(); }
		void handle()    override { (_obj.*_fn)(); }

	public:

		Ack_poller(Entrypoint &ep, Connection &connection, T &obj, void (T::*fn)())
		: _ep(ep), _connection(connection), _obj(obj), _fn(fn) { _ep.busy_poll().add(*this); }

		~Ack_poller() { _ep.busy_poll().remove(*this); }

		Ack_poller(Ack_poller const &) = delete;
		Ack_poller &operator = (Ack_poller const &) = delete;
};
