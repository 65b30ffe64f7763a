/*
 * Encoding on a small thread pool, each result shared by every client
 *
 * A client's update is a list of rectangles of one frame. Each is looked
 * up by what determines its bytes: its pixels (the versions of its tiles,
 * see 'content_key') and the encode parameters (encoding, pixel format,
 * quality, level). A payload
 * that is cached or already being encoded for another client is not
 * encoded again. The workers never touch the entrypoint's state: they take
 * jobs from a queue and hand results back through a pipe that the
 * entrypoint watches, so completion callbacks run on the entrypoint like
 * any other event. Idle workers sleep on a condition variable.
 */
#pragma once

#include <condition_variable>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <nestbox/base/entrypoint.h>
#include <nestbox/util/unique_fd.h>

#include "frame.h"

namespace Vnc {

	struct Encode_key
	{
		Encode_params params;
		uint32_t      w, h;
		uint64_t      content;

		bool operator == (Encode_key const &) const = default;
	};

	struct Encode_key_hash
	{
		size_t operator () (Encode_key const &k) const
		{
			Pixel_format const &f = k.params.format;
			uint64_t h = k.content ^ (uint64_t(k.w) << 48) ^ (uint64_t(k.h) << 32);
			h ^= uint64_t(uint32_t(k.params.encoding)) * 0x9e3779b97f4a7c15ull;
			h ^= uint64_t(k.params.jpeg_quality + 1) << 8 ^ uint64_t(k.params.compress_level) << 4;
			h ^= uint64_t(f.bits_per_pixel) << 16 ^ uint64_t(f.red_shift) << 24 ^ uint64_t(f.big_endian) << 40;
			return size_t(h);
		}
	};

	class Encode_pool : nestbox::Io_handler
	{
		public:

			using Done = std::function<void(Payload const &)>;

			/*
			 * What a cached entry costs besides its payload's bytes: its
			 * hash-table node and bucket, its LRU node, the payload's shared
			 * vector with its control block, and the heap blocks' headers
			 * (measured: 297 bytes with a payload of 4, test 'VncMemoryAccounting' in
			 * tests/vnc/vnc_server_test.cc). Counted, so that 'cache_mb' is
			 * the cache's real memory: a cache of tiny payloads (a clock, a
			 * caret) otherwise holds many times its bound in bookkeeping.
			 */
			enum : size_t { ENTRY_OVERHEAD = 320 };

			/* What a payload costs in the cache, counted against its bound */
			static size_t entry_cost(Payload const &p) { return ENTRY_OVERHEAD + p->capacity(); }

		private:

			struct Entry
			{
				Payload           payload { };   /* null while being encoded */
				std::vector<Done> waiters { };
				std::list<Encode_key>::iterator lru { };
			};

			struct Job
			{
				Encode_key                   key;
				std::shared_ptr<Frame const> frame;
				Rect                         rect;
			};

			nestbox::Entrypoint &_ep;

			/* the cache, touched by the entrypoint only */
			std::unordered_map<Encode_key, Entry, Encode_key_hash> _entries { };
			std::list<Encode_key> _lru { };   /* finished entries, least recently used first */
			size_t                _cached_bytes = 0;
			size_t const          _max_cached_bytes;

			/* shared with the workers */
			std::mutex                                 _mutex { };
			std::condition_variable                    _work_available { };
			std::deque<Job>                            _jobs { };
			std::vector<std::pair<Encode_key, Payload>> _finished { };
			bool                                       _exit = false;

			nestbox::Unique_fd _wakeup_read { }, _wakeup_write { };
			std::vector<std::thread> _workers { };

			void _work();
			void _evict();

			void handle_io(uint32_t) override;   /* results are ready */

		public:

			Encode_pool(nestbox::Entrypoint &ep, unsigned threads, size_t max_cached_bytes);
			~Encode_pool();

			Encode_pool(Encode_pool const &) = delete;

			/*
			 * Call 'done' with the payload of 'rect' of 'frame' (whole
			 * tiles), at once if it is cached, else when it is encoded
			 */
			void request(std::shared_ptr<Frame const> const &frame, Rect rect,
			             Encode_params const &params, Done done);

			/* The cache's memory: payloads with their bookkeeping (entry_cost) */
			size_t cached_bytes() const { return _cached_bytes; }

			size_t cached_entries() const { return _lru.size(); }
	};
}
