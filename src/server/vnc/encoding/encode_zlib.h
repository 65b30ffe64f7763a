/*
 * Per-thread deflaters for the ZRLE and Tight encoders
 *
 * Encoding runs on a thread pool, so each thread keeps its own z_stream and
 * resets it per rectangle instead of paying deflateInit's allocations.
 */
#pragma once

#include <algorithm>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

#include <zlib.h>

namespace Vnc {

	struct Deflater
	{
		z_stream zs { };

		/* window_bits < 0: raw deflate (ZRLE); > 0: with the zlib header (Tight) */
		Deflater(int window_bits, int level)
		{
			if (deflateInit2(&zs, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
				throw std::bad_alloc();
		}

		~Deflater() { deflateEnd(&zs); }

		Deflater(Deflater const &) = delete;
		Deflater &operator = (Deflater const &) = delete;

		/*
		 * Compress 'in' as a fresh stream ended by a sync flush and append it
		 * to 'out': byte-aligned, no final block, referencing nothing before.
		 * With 'fresh' false, the stream goes on from the last call instead
		 * (one viewer's own stream, which may refer to what it sent before).
		 */
		void compress(uint8_t const *in, size_t len, std::vector<uint8_t> &out, bool fresh = true)
		{
			if (fresh) deflateReset(&zs);

			size_t start = out.size();
			out.resize(start + deflateBound(&zs, uLong(len)) + 16);

			zs.next_in  = const_cast<Bytef *>(in);
			zs.avail_in = uInt(len);
			for (;;) {
				zs.next_out  = out.data() + start;
				zs.avail_out = uInt(out.size() - start);
				int const rc = deflate(&zs, Z_SYNC_FLUSH);
				start = size_t(zs.next_out - out.data());
				if (rc != Z_OK && rc != Z_BUF_ERROR)
					throw std::runtime_error("deflate failed");
				/* done once all input is taken and the flush did not fill the buffer */
				if (zs.avail_in == 0 && zs.avail_out > 0)
					break;
				out.resize(out.size() + 4096);
			}
			out.resize(start);
		}
	};

	/*
	 * The calling thread's deflater for a level, created on first use. One
	 * per level rather than deflateParams, whose behaviour on a reset stream
	 * differs between zlib versions.
	 */
	inline Deflater &thread_deflater(bool raw, int level)
	{
		thread_local std::unique_ptr<Deflater> deflater[2][10];
		level = std::clamp(level, 0, 9);
		std::unique_ptr<Deflater> &d = deflater[raw][level];
		if (!d)
			d = std::make_unique<Deflater>(raw ? -15 : 15, level);
		return *d;
	}
}
