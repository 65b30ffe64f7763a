/*
 * The ZRLE encoding (RFC 6143 §7.7.6)
 *
 * The rectangle is cut into 64x64 tiles. One pass over each tile counts its
 * runs and collects its palette (up to 127 colours); from those counts the
 * size of every subencoding is known exactly, and the smallest is written:
 * solid, packed palette (2..16 colours), palette RLE (2..127), plain RLE or
 * raw. The tiles of the rectangle are compressed by a fresh raw deflater
 * and ended with a sync flush; see encoder.h for why.
 */

#include "encode_pixel.h"
#include "encode_zlib.h"

using namespace Vnc;

namespace {

	enum : uint8_t { SUB_RAW = 0, SUB_SOLID = 1, SUB_PLAIN_RLE = 128 };

	/* CPIXEL: three bytes where a 32 bpp format leaves one byte unused */
	Pixel_out cpixel_out(Pixel_format const &f)
	{
		Pixel_out out = pixel_out(f);
		if (f.bits_per_pixel != 32 || f.depth > 24 || !f.true_colour)
			return out;

		uint32_t const used = uint32_t(f.red_max)   << f.red_shift
		                    | uint32_t(f.green_max) << f.green_shift
		                    | uint32_t(f.blue_max)  << f.blue_shift;
		if (used <= 0xffffff)          out.size = 3;
		else if ((used & 0xff) == 0) { out.size = 3; out.shift = 8; }
		return out;
	}

	uint8_t *put_run_length(uint8_t *p, uint32_t run)
	{
		uint32_t rest = run - 1;
		for (; rest >= 255; rest -= 255) *p++ = 255;
		*p++ = uint8_t(rest);
		return p;
	}

	struct Tile_encoder
	{
		Pixel_out    cp;
		Palette<127> palette { };
		uint32_t     val[64*64];

		uint8_t *encode(uint8_t *p, uint32_t w, uint32_t h)
		{
			uint32_t const n = w*h;
			size_t   const cpb = cp.size;

			/* runs go on from line to line within a tile */
			size_t runs = 0, single_runs = 0, length_bytes = 0;
			bool   indexed = true;
			palette.clear();
			for (uint32_t i = 0; i < n; ) {
				uint32_t const c = val[i];
				uint32_t run = 1;
				while (i + run < n && val[i + run] == c) run++;
				i += run;
				runs++;
				single_runs  += run == 1;
				length_bytes += (run - 1) / 255 + 1;
				if (indexed)
					indexed = palette.insert(c);
			}

			if (indexed && palette.count == 1) {
				*p++ = SUB_SOLID;
				return cp.put(p, val[0]);
			}

			size_t const raw_size   = n*cpb;
			size_t const plain_size = runs*cpb + length_bytes;
			size_t palette_rle_size = SIZE_MAX, packed_size = SIZE_MAX;
			unsigned bits = 0;
			if (indexed) {
				palette_rle_size = palette.count*cpb + runs + length_bytes - single_runs;
				if (palette.count <= 16) {
					bits = palette.count <= 2 ? 1 : palette.count <= 4 ? 2 : 4;
					packed_size = palette.count*cpb + h*((w*bits + 7) / 8);
				}
			}
			size_t const best = std::min({ raw_size, plain_size, palette_rle_size, packed_size });

			if (best == raw_size) {
				*p++ = SUB_RAW;
				return cp.put(p, val, n);
			}

			if (best == packed_size) {
				*p++ = uint8_t(palette.count);
				p = cp.put(p, palette.colour, palette.count);
				uint32_t last = val[0];
				unsigned index = palette.lookup(last);
				for (uint32_t y = 0; y < h; y++) {
					uint32_t const *line = val + y*w;
					unsigned acc = 0, filled = 0;
					for (uint32_t x = 0; x < w; x++) {
						if (line[x] != last) { last = line[x]; index = palette.lookup(last); }
						acc = acc << bits | index;
						if ((filled += bits) == 8) { *p++ = uint8_t(acc); acc = 0; filled = 0; }
					}
					if (filled) *p++ = uint8_t(acc << (8 - filled));
				}
				return p;
			}

			bool const with_palette = best == palette_rle_size;
			if (with_palette) {
				*p++ = uint8_t(128 + palette.count);
				p = cp.put(p, palette.colour, palette.count);
			} else {
				*p++ = SUB_PLAIN_RLE;
			}
			for (uint32_t i = 0; i < n; ) {
				uint32_t const c = val[i];
				uint32_t run = 1;
				while (i + run < n && val[i + run] == c) run++;
				i += run;
				if (with_palette) {
					uint8_t const index = palette.lookup(c);
					if (run == 1) { *p++ = index; continue; }
					*p++ = uint8_t(index | 128);
				} else {
					p = cp.put(p, c);
				}
				p = put_run_length(p, run);
			}
			return p;
		}
	};
}


void Vnc::encode_zrle(Pixel_format const &format, int compress_level,
                      Pixels pixels, std::vector<uint8_t> &out)
{
	Converter const conv(format);

	thread_local Tile_encoder tile;
	thread_local std::vector<uint8_t> data;
	tile.cp = cpixel_out(format);
	data.clear();

	Byte_writer writer(data);
	for (uint32_t ty = 0; ty < pixels.area.h; ty += 64) {
		for (uint32_t tx = 0; tx < pixels.area.w; tx += 64) {
			uint32_t const w = std::min(64u, pixels.area.w - tx);
			uint32_t const h = std::min(64u, pixels.area.h - ty);
			conv.convert(pixels, tx, ty, w, h, tile.val);
			/* no subencoding is chosen that is bigger than raw */
			uint8_t *p = writer.reserve(1 + size_t(w)*h*4);
			writer.commit(tile.encode(p, w, h));
		}
	}
	writer.finish();

	size_t const length_at = out.size();
	out.resize(length_at + 4);
	thread_deflater(true, compress_level).compress(data.data(), data.size(), out);

	uint32_t const length = uint32_t(out.size() - length_at - 4);
	out[length_at]     = uint8_t(length >> 24);
	out[length_at + 1] = uint8_t(length >> 16);
	out[length_at + 2] = uint8_t(length >> 8);
	out[length_at + 3] = uint8_t(length);
}
