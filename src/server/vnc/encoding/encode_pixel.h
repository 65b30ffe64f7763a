/*
 * Private helpers of the encoders: pixel conversion, byte output, palettes
 *
 * The encoders convert XRGB8888 pixels into client pixel values once (a
 * table lookup per channel, or a mask for the common 32 bpp format) and
 * write them with raw pointers into buffers reserved up front, so the inner
 * loops hold no virtual calls and no per-byte push_backs.
 */
#pragma once

#include <cstring>
#include <span>
#include <vector>

#include "encoder.h"

namespace Vnc {

	struct Deflater;

	/* Client pixel values of XRGB8888 pixels */
	struct Converter
	{
		bool     identity;   /* value == xrgb & 0xffffff */
		uint32_t red[256], green[256], blue[256];

		explicit Converter(Pixel_format const &f)
		:
			identity(f.red_max == 255 && f.green_max == 255 && f.blue_max == 255
			      && f.red_shift == 16 && f.green_shift == 8 && f.blue_shift == 0)
		{
			if (identity)
				return;
			for (uint32_t i = 0; i < 256; i++) {
				red[i]   = f.value(i << 16);
				green[i] = f.value(i << 8);
				blue[i]  = f.value(i);
			}
		}

		uint32_t value(uint32_t xrgb) const
		{
			if (identity)
				return xrgb & 0xffffff;
			return red[(xrgb >> 16) & 0xff] | green[(xrgb >> 8) & 0xff] | blue[xrgb & 0xff];
		}

		/* Convert a w x h block of 'pixels' at (x, y) into 'dst' (w values a line) */
		void convert(Pixels const &pixels, uint32_t x, uint32_t y,
		             uint32_t w, uint32_t h, uint32_t *dst) const
		{
			for (uint32_t j = 0; j < h; j++) {
				uint32_t const *src = pixels.base + (y + j) * pixels.stride + x;
				if (identity)
					for (uint32_t i = 0; i < w; i++) dst[i] = src[i] & 0xffffff;
				else
					for (uint32_t i = 0; i < w; i++) dst[i] = value(src[i]);
				dst += w;
			}
		}
	};

	/*
	 * How pixel values go on the wire: 'size' bytes of 'value >> shift' in the
	 * client's byte order. Raw pixels use shift 0; ZRLE's 3-byte CPIXEL of a
	 * format whose colours sit in the upper three bytes uses shift 8.
	 */
	struct Pixel_out
	{
		unsigned size;
		bool     big_endian;
		unsigned shift = 0;

		uint8_t *put(uint8_t *p, uint32_t v) const
		{
			v >>= shift;
			switch (size) {
			case 1: *p = uint8_t(v); return p + 1;
			case 2:
				if (big_endian) { p[0] = uint8_t(v >> 8); p[1] = uint8_t(v); }
				else            { p[0] = uint8_t(v); p[1] = uint8_t(v >> 8); }
				return p + 2;
			case 3:
				if (big_endian) { p[0] = uint8_t(v >> 16); p[1] = uint8_t(v >> 8); p[2] = uint8_t(v); }
				else            { p[0] = uint8_t(v); p[1] = uint8_t(v >> 8); p[2] = uint8_t(v >> 16); }
				return p + 3;
			default:
				if (big_endian) v = __builtin_bswap32(v);
				memcpy(p, &v, 4);
				return p + 4;
			}
		}

		/* Write 'n' values; the common sizes get loops of their own */
		uint8_t *put(uint8_t *p, uint32_t const *v, size_t n) const
		{
			if (size == 4 && shift == 0) {
				if (big_endian)
					for (size_t i = 0; i < n; i++) {
						uint32_t const b = __builtin_bswap32(v[i]);
						memcpy(p + 4*i, &b, 4);
					}
				else
					memcpy(p, v, n*4);
				return p + 4*n;
			}
			if (size == 3 && !big_endian && shift == 0) {
				for (size_t i = 0; i < n; i++, p += 3) {
					p[0] = uint8_t(v[i]); p[1] = uint8_t(v[i] >> 8); p[2] = uint8_t(v[i] >> 16);
				}
				return p;
			}
			for (size_t i = 0; i < n; i++)
				p = put(p, v[i]);
			return p;
		}
	};

	/* Appending to a byte vector through a raw pointer after reserving */
	struct Byte_writer
	{
		std::vector<uint8_t> &buf;
		size_t len;

		explicit Byte_writer(std::vector<uint8_t> &buf) : buf(buf), len(buf.size()) { }

		/* Room for at least 'n' more bytes; the returned pointer is valid until the next call */
		uint8_t *reserve(size_t n)
		{
			if (len + n > buf.size())
				buf.resize(std::max(len + n, buf.size() * 3 / 2));
			return buf.data() + len;
		}

		void commit(uint8_t const *end) { len = size_t(end - buf.data()); }

		/* Trim the vector to what was written */
		void finish() { buf.resize(len); }
	};

	/*
	 * The distinct colours of a run of pixels, up to 'MAX', with their
	 * indices. Open addressing in a table 4 times the capacity; clearing
	 * touches only the slots used, so a palette per 64x64 tile stays cheap.
	 */
	template <unsigned MAX>
	struct Palette
	{
		static constexpr unsigned SLOTS = MAX <= 16 ? 64 : MAX <= 128 ? 512 : 1024;

		uint32_t colour[MAX];
		unsigned count = 0;

		uint32_t key[SLOTS];
		uint8_t  index[SLOTS];
		bool     used[SLOTS] { };
		uint16_t used_slot[MAX];

		static unsigned hash(uint32_t v) { return (v * 2654435761u) >> 22 & (SLOTS - 1); }

		void clear()
		{
			for (unsigned i = 0; i < count; i++) used[used_slot[i]] = false;
			count = 0;
		}

		/* Add 'v' unless known; false if that would exceed MAX */
		bool insert(uint32_t v)
		{
			unsigned s = hash(v);
			for (; used[s]; s = (s + 1) & (SLOTS - 1))
				if (key[s] == v) return true;
			if (count == MAX)
				return false;
			used[s] = true; key[s] = v; index[s] = uint8_t(count);
			used_slot[count] = uint16_t(s);
			colour[count++] = v;
			return true;
		}

		/* The index of a colour known to be in the palette */
		uint8_t lookup(uint32_t v) const
		{
			unsigned s = hash(v);
			while (key[s] != v || !used[s]) s = (s + 1) & (SLOTS - 1);
			return index[s];
		}
	};

	/* The wire size of a pixel value in 'f' (and the byte order) */
	inline Pixel_out pixel_out(Pixel_format const &f)
	{
		return { f.bytes_per_pixel(), f.big_endian, 0 };
	}

	/* Encoders of the individual encodings (hextile.cc, zrle.cc, tight.cc) */
	void encode_hextile(Pixel_format const &, Pixels, std::vector<uint8_t> &);
	void encode_zrle(Pixel_format const &, int compress_level, Pixels, std::vector<uint8_t> &);
	void encode_tight(Encode_params const &, Pixels, std::vector<uint8_t> &, Deflater *own_stream = nullptr);
}
