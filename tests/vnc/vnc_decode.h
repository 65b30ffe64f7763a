/*
 * A reference RFB decoder for the encoder tests: Raw, Hextile, ZRLE, Tight
 *
 * Written from the protocol description, not from the encoders, and strict
 * where a real client would be lenient: a Hextile tile that relies on an
 * undefined background or foreground, a payload with bytes left over, or a
 * ZRLE segment that leaves its inflater mid-block fails the decode. Like a
 * client, one Decoder keeps its zlib streams from rectangle to rectangle.
 */
#pragma once

#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <turbojpeg.h>
#include <zlib.h>

#include "rfb.h"

namespace Vnc_test {

	using namespace Vnc;

	struct Decode_error : std::runtime_error { using std::runtime_error::runtime_error; };

	struct Reader
	{
		uint8_t const *p, *end;

		Reader(uint8_t const *p, size_t n) : p(p), end(p + n) { }

		size_t left() const { return size_t(end - p); }

		uint8_t const *take(size_t n)
		{
			if (left() < n) throw Decode_error("payload too short");
			uint8_t const *r = p; p += n; return r;
		}

		uint8_t u8() { return *take(1); }

		uint32_t u32()
		{
			uint8_t const *b = take(4);
			return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3];
		}

		/* 'size' bytes in the given byte order */
		uint32_t value(unsigned size, bool big_endian)
		{
			uint8_t const *b = take(size);
			uint32_t v = 0;
			for (unsigned i = 0; i < size; i++)
				v |= uint32_t(b[big_endian ? size - 1 - i : i]) << (8*i);
			return v;
		}

		/* Tight's compact length: 7 bits a byte, at most 3 bytes */
		size_t compact_length()
		{
			size_t len = 0;
			for (unsigned i = 0; i < 3; i++) {
				uint8_t const b = u8();
				len |= size_t(i < 2 ? b & 0x7f : b) << (7*i);
				if (i < 2 && !(b & 0x80)) break;
			}
			return len;
		}
	};

	/* A zlib stream that, like a client's, goes on across rectangles */
	struct Inflater
	{
		z_stream zs { };
		bool     initialised = false;

		~Inflater() { if (initialised) inflateEnd(&zs); }

		void reset()
		{
			if (initialised) inflateEnd(&zs);
			zs = { };
			if (inflateInit(&zs) != Z_OK) throw Decode_error("inflateInit");
			initialised = true;
		}

		/* Inflate all of 'in'; 'expected' bytes if given, else whatever comes */
		std::vector<uint8_t> inflate_all(uint8_t const *in, size_t len, size_t expected = SIZE_MAX)
		{
			if (!initialised) reset();
			std::vector<uint8_t> result(expected == SIZE_MAX ? len * 4 + 1024 : expected + 1);
			size_t have = 0;
			zs.next_in  = const_cast<Bytef *>(in);
			zs.avail_in = uInt(len);
			for (;;) {
				zs.next_out  = result.data() + have;
				zs.avail_out = uInt(result.size() - have);
				int const rc = inflate(&zs, Z_SYNC_FLUSH);
				have = size_t(zs.next_out - result.data());
				if (rc == Z_STREAM_END) throw Decode_error("zlib stream ended");
				if (rc != Z_OK && rc != Z_BUF_ERROR) throw Decode_error("inflate: " + std::to_string(rc));
				if (zs.avail_in == 0 && zs.avail_out > 0) break;
				if (zs.avail_out == 0) result.resize(result.size() * 2);
				else if (rc == Z_BUF_ERROR) throw Decode_error("inflate stuck");
			}
			result.resize(have);
			if (expected != SIZE_MAX && have != expected)
				throw Decode_error("inflated " + std::to_string(have) + " bytes, expected "
				                   + std::to_string(expected));
			return result;
		}
	};

	struct Decoder
	{
		Pixel_format f;
		Inflater     zrle;
		Inflater     tight[4];

		/* the subencodings met, so tests can tell they covered them all */
		std::set<std::string> seen;

		explicit Decoder(Pixel_format f) : f(f) { }

		using Image = std::vector<uint32_t>;   /* pixel values of 'f', w a line */

		uint32_t pixel(Reader &r) { return r.value(f.bytes_per_pixel(), f.big_endian); }

		void fill(Image &img, uint32_t w, uint32_t x, uint32_t y, uint32_t rw, uint32_t rh, uint32_t v)
		{
			for (uint32_t j = 0; j < rh; j++)
				for (uint32_t i = 0; i < rw; i++)
					img[(y + j)*w + x + i] = v;
		}

		Image raw(Reader &r, uint32_t w, uint32_t h)
		{
			Image img(size_t(w) * h);
			for (uint32_t &v : img) v = pixel(r);
			return img;
		}

		Image hextile(Reader &r, uint32_t w, uint32_t h)
		{
			Image img(size_t(w) * h);
			bool bg_ok = false, fg_ok = false;
			uint32_t bg = 0, fg = 0;
			for (uint32_t ty = 0; ty < h; ty += 16) {
				for (uint32_t tx = 0; tx < w; tx += 16) {
					uint32_t const tw = std::min(16u, w - tx), th = std::min(16u, h - ty);
					uint8_t const flags = r.u8();
					if (flags & 1) {
						for (uint32_t j = 0; j < th; j++)
							for (uint32_t i = 0; i < tw; i++)
								img[(ty + j)*w + tx + i] = pixel(r);
						bg_ok = fg_ok = false;
						seen.insert("hextile raw");
						continue;
					}
					if (flags & 2) { bg = pixel(r); bg_ok = true; }
					if (!bg_ok) throw Decode_error("hextile: undefined background");
					fill(img, w, tx, ty, tw, th, bg);
					if ((flags & 4) && (flags & 16)) throw Decode_error("hextile: fg and coloured");
					if (flags & 4) { fg = pixel(r); fg_ok = true; }
					if (flags & 8) {
						unsigned const count = r.u8();
						if (!(flags & 16) && !fg_ok) throw Decode_error("hextile: undefined foreground");
						for (unsigned k = 0; k < count; k++) {
							uint32_t const c = (flags & 16) ? pixel(r) : fg;
							uint8_t const xy = r.u8(), wh = r.u8();
							uint32_t const sx = xy >> 4, sy = xy & 15, sw = (wh >> 4) + 1u, sh = (wh & 15) + 1u;
							if (sx + sw > tw || sy + sh > th) throw Decode_error("hextile: subrect outside");
							fill(img, w, tx + sx, ty + sy, sw, sh, c);
						}
					}
					if (flags & 16) fg_ok = false;
					seen.insert(!(flags & 8) ? "hextile solid" : (flags & 16) ? "hextile coloured"
					                                                           : "hextile mono");
				}
			}
			return img;
		}

		/* CPIXEL, judged from the RFC's wording */
		uint32_t cpixel(Reader &r)
		{
			uint32_t const used = uint32_t(f.red_max) << f.red_shift
			                    | uint32_t(f.green_max) << f.green_shift
			                    | uint32_t(f.blue_max) << f.blue_shift;
			if (f.bits_per_pixel == 32 && f.depth <= 24) {
				if (used < (1u << 24)) return r.value(3, f.big_endian);
				if ((used & 0xff) == 0) return r.value(3, f.big_endian) << 8;
			}
			return pixel(r);
		}

		Image zrle_tiles(Reader &r, uint32_t w, uint32_t h)
		{
			Image img(size_t(w) * h);
			for (uint32_t ty = 0; ty < h; ty += 64) {
				for (uint32_t tx = 0; tx < w; tx += 64) {
					uint32_t const tw = std::min(64u, w - tx), th = std::min(64u, h - ty);
					uint32_t const n = tw * th;
					std::vector<uint32_t> t(n);
					uint8_t const sub = r.u8();
					std::vector<uint32_t> pal;
					auto run_length = [&] {
						uint32_t len = 1;
						for (uint8_t b; (b = r.u8()) == 255; ) len += 255;
						return len + r.p[-1];
					};
					seen.insert(sub == 0 ? "zrle raw" : sub == 1 ? "zrle solid" : sub <= 16 ? "zrle packed"
					          : sub == 128 ? "zrle plain rle" : "zrle palette rle");
					if (sub == 0) {
						for (uint32_t &v : t) v = cpixel(r);
					} else if (sub == 1) {
						uint32_t const c = cpixel(r);
						for (uint32_t &v : t) v = c;
					} else if (sub <= 16) {
						for (unsigned i = 0; i < sub; i++) pal.push_back(cpixel(r));
						unsigned const bits = sub == 2 ? 1 : sub <= 4 ? 2 : 4;
						for (uint32_t y = 0; y < th; y++) {
							uint8_t const *line = r.take((tw*bits + 7) / 8);
							for (uint32_t x = 0; x < tw; x++) {
								unsigned const bit = x*bits;
								unsigned const idx = (line[bit / 8] >> (8 - bits - bit % 8)) & ((1u << bits) - 1);
								if (idx >= pal.size()) throw Decode_error("zrle: index");
								t[y*tw + x] = pal[idx];
							}
						}
					} else if (sub == 128) {
						for (uint32_t i = 0; i < n; ) {
							uint32_t const c = cpixel(r), len = run_length();
							if (i + len > n) throw Decode_error("zrle: run too long");
							for (uint32_t k = 0; k < len; k++) t[i++] = c;
						}
					} else if (sub >= 130) {
						for (unsigned i = 0; i < sub - 128u; i++) pal.push_back(cpixel(r));
						for (uint32_t i = 0; i < n; ) {
							uint8_t const b = r.u8();
							if ((b & 127) >= pal.size()) throw Decode_error("zrle: index");
							uint32_t const len = (b & 128) ? run_length() : 1;
							if (i + len > n) throw Decode_error("zrle: run too long");
							for (uint32_t k = 0; k < len; k++) t[i++] = pal[b & 127];
						}
					} else {
						throw Decode_error("zrle: subencoding " + std::to_string(sub));
					}
					for (uint32_t y = 0; y < th; y++)
						for (uint32_t x = 0; x < tw; x++)
							img[(ty + y)*w + tx + x] = t[y*tw + x];
				}
			}
			return img;
		}

		Image zrle_rect(Reader &r, uint32_t w, uint32_t h)
		{
			uint32_t const len = r.u32();
			uint8_t const *data = r.take(len);
			std::vector<uint8_t> const plain = zrle.inflate_all(data, len);
			Reader pr(plain.data(), plain.size());
			Image img = zrle_tiles(pr, w, h);
			if (pr.left()) throw Decode_error("zrle: bytes left over");
			return img;
		}

		bool tpixel_rgb() const
		{
			return f.bits_per_pixel == 32 && f.depth == 24
			    && f.red_max == 255 && f.green_max == 255 && f.blue_max == 255;
		}

		uint32_t tpixel(Reader &r)
		{
			if (!tpixel_rgb()) return pixel(r);
			uint8_t const *b = r.take(3);
			return uint32_t(b[0]) << f.red_shift | uint32_t(b[1]) << f.green_shift
			     | uint32_t(b[2]) << f.blue_shift;
		}

		std::vector<uint8_t> tight_data(Reader &r, unsigned stream, size_t expected)
		{
			seen.insert(expected < 12 ? "tight uncompressed" : "tight compressed");
			if (expected < 12) {
				uint8_t const *d = r.take(expected);
				return { d, d + expected };
			}
			size_t const len = r.compact_length();
			return tight[stream].inflate_all(r.take(len), len, expected);
		}

		Image tight_rect(Reader &r, uint32_t w, uint32_t h)
		{
			size_t const n = size_t(w) * h;
			uint8_t ctl = r.u8();
			for (unsigned i = 0; i < 4; i++)
				if (ctl & (1u << i)) tight[i].reset();
			ctl >>= 4;

			seen.insert(ctl == 8 ? "tight fill" : ctl == 9 ? "tight jpeg" : !(ctl & 4) ? "tight copy"
			            : "tight palette");
			if (ctl == 8) {
				Image img(n, tpixel(r));
				return img;
			}
			if (ctl == 9) {
				size_t const len = r.compact_length();
				uint8_t const *jpeg = r.take(len);
				tjhandle tj = tjInitDecompress();
				std::vector<uint8_t> rgb(n * 3);
				int jw = 0, jh = 0, sub = 0;
				int rc = tjDecompressHeader2(tj, const_cast<uint8_t *>(jpeg), len, &jw, &jh, &sub);
				if (rc == 0 && (uint32_t(jw) != w || uint32_t(jh) != h)) rc = -1;
				if (rc == 0)
					rc = tjDecompress2(tj, jpeg, len, rgb.data(), int(w), 0, int(h), TJPF_RGB, 0);
				tjDestroy(tj);
				if (rc != 0) throw Decode_error("jpeg");
				Image img(n);
				for (size_t i = 0; i < n; i++)
					img[i] = f.value(uint32_t(rgb[3*i]) << 16 | uint32_t(rgb[3*i + 1]) << 8 | rgb[3*i + 2]);
				return img;
			}
			if (ctl > 9) throw Decode_error("tight: bad control");

			unsigned const stream = ctl & 3;
			unsigned const filter = (ctl & 4) ? r.u8() : 0;
			unsigned const tpb = tpixel_rgb() ? 3 : f.bytes_per_pixel();
			Image img(n);
			if (filter == 0) {
				std::vector<uint8_t> const d = tight_data(r, stream, n * tpb);
				Reader dr(d.data(), d.size());
				for (uint32_t &v : img) v = tpixel(dr);
			} else if (filter == 1) {
				unsigned const size = r.u8() + 1u;
				if (size < 2) throw Decode_error("tight: palette of one");
				std::vector<uint32_t> pal;
				for (unsigned i = 0; i < size; i++) pal.push_back(tpixel(r));
				if (size == 2) {
					seen.insert("tight mono");
					size_t const row = (w + 7) / 8;
					std::vector<uint8_t> const d = tight_data(r, stream, row * h);
					for (uint32_t y = 0; y < h; y++)
						for (uint32_t x = 0; x < w; x++)
							img[size_t(y)*w + x] = pal[(d[y*row + x/8] >> (7 - x % 8)) & 1];
				} else {
					std::vector<uint8_t> const d = tight_data(r, stream, n);
					for (size_t i = 0; i < n; i++) {
						if (d[i] >= size) throw Decode_error("tight: index");
						img[i] = pal[d[i]];
					}
				}
			} else {
				throw Decode_error("tight: filter " + std::to_string(filter));
			}
			return img;
		}

		/* Decode one payload; all of it must be used */
		Image decode(int32_t encoding, uint32_t w, uint32_t h, std::vector<uint8_t> const &payload)
		{
			Reader r(payload.data(), payload.size());
			Image img;
			switch (encoding) {
			case RAW:     img = raw(r, w, h); break;
			case HEXTILE: img = hextile(r, w, h); break;
			case ZRLE:    img = zrle_rect(r, w, h); break;
			case TIGHT:   img = tight_rect(r, w, h); break;
			default: throw Decode_error("encoding");
			}
			if (r.left()) throw Decode_error("payload: bytes left over");
			return img;
		}
	};
}
