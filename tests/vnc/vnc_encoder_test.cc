/*
 * The VNC encoders against an independent reference decoder (vnc_decode.h):
 * every lossless encoding must give back exactly the client pixel values of
 * the source, for several image kinds, odd sizes and pixel formats
 */

#include <random>
#include <thread>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "encoding/encoder.h"
#include "vnc/vnc_decode.h"
#include "encoding/encode_zlib.h"

using namespace Vnc;
using Vnc_test::Decoder;

namespace {

	/* A source image with a stride wider than the rectangle and junk in the X byte */
	struct Image
	{
		uint32_t w, h, stride;
		std::vector<uint32_t> px;

		Image(uint32_t w, uint32_t h) : w(w), h(h), stride(w + 3), px(size_t(stride) * h, 0xdeadbeef) { }

		uint32_t &at(uint32_t x, uint32_t y) { return px[size_t(y)*stride + x]; }

		Pixels pixels() const { return { px.data(), stride, { w, h } }; }
	};

	enum class Kind { RANDOM, GRADIENT, FEW, SOLID, TWO, MANY_FLAT };

	Image make(Kind kind, uint32_t w, uint32_t h, unsigned seed = 1)
	{
		Image img(w, h);
		std::mt19937 rng(seed);
		uint32_t const few[5] = { 0x000000, 0xffffff, 0x3366cc, 0xcc3333, 0x22aa44 };
		std::vector<uint32_t> flat(100);
		for (uint32_t &c : flat) c = rng() & 0xffffff;

		for (uint32_t y = 0; y < h; y++) {
			for (uint32_t x = 0; x < w; x++) {
				uint32_t c = 0;
				switch (kind) {
				case Kind::RANDOM:    c = rng(); break;
				case Kind::GRADIENT:  c = (x * 255 / std::max(1u, w - 1)) << 16
				                        | (y * 255 / std::max(1u, h - 1)) << 8
				                        | (x + y) * 255 / std::max(1u, w + h - 2); break;
				case Kind::FEW:       c = few[((x / 5) * 7 + (y / 3) * 3 + (rng() % 16 == 0)) % 5]; break;
				case Kind::SOLID:     c = 0x102030; break;
				case Kind::TWO:       c = (rng() % 4 == 0) ? 0x000000 : 0xf0f0f0; break;
				case Kind::MANY_FLAT: c = flat[((x / 9) + (y / 7) * 13) % flat.size()]; break;
				}
				/* the top byte is not part of the colour and must not matter */
				img.at(x, y) = (c & 0xffffff) | (rng() & 0xff000000);
			}
		}
		return img;
	}

	std::vector<uint32_t> expected(Pixel_format const &f, Image const &img)
	{
		std::vector<uint32_t> v;
		for (uint32_t y = 0; y < img.h; y++)
			for (uint32_t x = 0; x < img.w; x++)
				v.push_back(f.value(img.px[size_t(y)*img.stride + x]));
		return v;
	}

	struct Named_format { char const *name; Pixel_format f; };

	std::vector<Named_format> formats()
	{
		Pixel_format le { };
		Pixel_format be = le;        be.big_endian = true;
		Pixel_format bgr = le;       bgr.red_shift = 0; bgr.blue_shift = 16;
		Pixel_format high = le;      high.red_shift = 24; high.green_shift = 16; high.blue_shift = 8;
		Pixel_format high_be = high; high_be.big_endian = true;
		Pixel_format rgb565 { 16, 16, false, true, 31, 63, 31, 11, 5, 0 };
		Pixel_format rgb565_be = rgb565; rgb565_be.big_endian = true;
		Pixel_format bgr233 { 8, 8, false, true, 7, 7, 3, 0, 3, 6 };
		Pixel_format rgb555 { 16, 15, false, true, 31, 31, 31, 10, 5, 0 };
		return { { "32le", le }, { "32be", be }, { "32bgr", bgr }, { "32high", high },
		         { "32high_be", high_be }, { "565", rgb565 }, { "565be", rgb565_be },
		         { "bgr233", bgr233 }, { "555", rgb555 } };
	}

	struct Size { uint32_t w, h; };
	Size const sizes[] = { { 1, 1 }, { 3, 2 }, { 17, 33 }, { 64, 64 }, { 65, 65 }, { 300, 7 }, { 130, 70 } };
	Kind const kinds[] = { Kind::RANDOM, Kind::GRADIENT, Kind::FEW, Kind::SOLID, Kind::TWO, Kind::MANY_FLAT };

	std::vector<uint8_t> encoded(Encode_params const &p, Image const &img)
	{
		std::vector<uint8_t> out { 0xaa };   /* encode appends: keep what is there */
		encode(p, img.pixels(), out);
		EXPECT_EQ(out[0], 0xaa);
		return { out.begin() + 1, out.end() };
	}

	/*
	 * Encode every image kind and size, decoding all payloads of one format
	 * with one decoder, as a client does. For ZRLE the first payload carries
	 * the stream header and the others follow in the same inflate stream.
	 */
	void round_trips(int32_t encoding, std::set<std::string> const &subencodings, int compress_level = 6)
	{
		std::set<std::string> seen;
		for (Named_format const &nf : formats()) {
			SCOPED_TRACE(nf.name);
			ASSERT_TRUE(nf.f.valid());
			Decoder dec(nf.f);
			bool first = true;
			for (Size s : sizes) {
				for (Kind k : kinds) {
					SCOPED_TRACE(::testing::Message() << s.w << "x" << s.h << " kind " << int(k));
					Image const img = make(k, s.w, s.h, s.w * 31 + s.h);
					Encode_params const p { encoding, nf.f, -1, compress_level };
					std::vector<uint8_t> payload = encoded(p, img);
					if (encoding == ZRLE && first)
						payload = zrle_with_stream_header(payload);
					first = false;
					std::vector<uint32_t> got;
					ASSERT_NO_THROW(got = dec.decode(encoding, s.w, s.h, payload));
					ASSERT_EQ(got, expected(nf.f, img));
				}
			}
			seen.insert(dec.seen.begin(), dec.seen.end());
		}
		EXPECT_EQ(seen, subencodings);
	}
}


TEST(VncEncoder, pixel_format_valid)
{
	for (Named_format const &nf : formats())
		EXPECT_TRUE(nf.f.valid()) << nf.name;

	Pixel_format f { };
	f.true_colour = false;                 EXPECT_FALSE(f.valid());
	f = { }; f.bits_per_pixel = 24;        EXPECT_FALSE(f.valid());
	f = { }; f.red_max = 100;              EXPECT_FALSE(f.valid());
	f = { }; f.red_shift = 30;             EXPECT_FALSE(f.valid());
	f = { }; f.bits_per_pixel = 16;        EXPECT_FALSE(f.valid());   /* 24-bit colours in 16 bits */
	f = { }; f.green_max = 0;              EXPECT_FALSE(f.valid());
}


std::set<std::string> const hextile_subencodings {
	"hextile raw", "hextile solid", "hextile mono", "hextile coloured" };
std::set<std::string> const zrle_subencodings {
	"zrle raw", "zrle solid", "zrle packed", "zrle plain rle", "zrle palette rle" };
std::set<std::string> const tight_subencodings {
	"tight fill", "tight copy", "tight palette", "tight mono", "tight compressed", "tight uncompressed" };

TEST(VncEncoder, raw_round_trips)     { round_trips(RAW, { }); }
TEST(VncEncoder, hextile_round_trips) { round_trips(HEXTILE, hextile_subencodings); }
TEST(VncEncoder, zrle_round_trips)    { round_trips(ZRLE, zrle_subencodings); }
TEST(VncEncoder, zrle_level_0_and_9)
{
	round_trips(ZRLE, zrle_subencodings, 0);
	round_trips(ZRLE, zrle_subencodings, 9);
}
TEST(VncEncoder, tight_round_trips)   { round_trips(TIGHT, tight_subencodings); }
TEST(VncEncoder, tight_level_0_and_9)
{
	round_trips(TIGHT, tight_subencodings, 0);
	round_trips(TIGHT, tight_subencodings, 9);
}


TEST(VncEncoder, raw_bytes_are_in_client_byte_order)
{
	Image img(2, 1);
	img.at(0, 0) = 0xff112233; img.at(1, 0) = 0x00445566;
	Pixel_format le { }, be { };
	be.big_endian = true;
	EXPECT_EQ(encoded({ RAW, le, -1, 6 }, img),
	          (std::vector<uint8_t> { 0x33, 0x22, 0x11, 0, 0x66, 0x55, 0x44, 0 }));
	EXPECT_EQ(encoded({ RAW, be, -1, 6 }, img),
	          (std::vector<uint8_t> { 0, 0x11, 0x22, 0x33, 0, 0x44, 0x55, 0x66 }));
}


TEST(VncEncoder, hextile_solid_tiles_carry_the_background)
{
	Image const img = make(Kind::SOLID, 64, 16);
	std::vector<uint8_t> const p = encoded({ HEXTILE, { }, -1, 6 }, img);
	/* the first tile specifies the background, the other three reuse it */
	EXPECT_EQ(p.size(), 1 + 4 + 3u);
}


/* A raw tile between two-colour tiles: the colours must be specified again after it */
TEST(VncEncoder, hextile_respecifies_after_raw_tile)
{
	Image img = make(Kind::TWO, 48, 16, 7);
	Image const noise = make(Kind::RANDOM, 16, 16, 8);
	for (uint32_t y = 0; y < 16; y++)
		for (uint32_t x = 0; x < 16; x++)
			img.at(16 + x, y) = noise.px[size_t(y)*noise.stride + x];

	Pixel_format const f { };
	Decoder dec(f);
	std::vector<uint32_t> got;
	ASSERT_NO_THROW(got = dec.decode(HEXTILE, 48, 16, encoded({ HEXTILE, f, -1, 6 }, img)));
	EXPECT_EQ(got, expected(f, img));
}


TEST(VncEncoder, zrle_payloads_are_segments_of_one_stream)
{
	Pixel_format const f { };
	std::vector<std::vector<uint8_t>> payloads;
	std::vector<Image> images;
	for (unsigned i = 0; i < 6; i++) {
		images.push_back(make(Kind(i % 6), 100 + i, 50, i));
		payloads.push_back(encoded({ ZRLE, f, -1, 6 }, images.back()));
	}

	/* payloads are independent of one another: the same pixels, the same bytes */
	EXPECT_EQ(encoded({ ZRLE, f, -1, 6 }, images[0]), payloads[0]);

	std::vector<uint8_t> const with_header = zrle_with_stream_header(payloads[0]);
	ASSERT_EQ(with_header.size(), payloads[0].size() + 2);
	EXPECT_EQ(with_header[4], 0x78);
	EXPECT_EQ((with_header[4] * 256 + with_header[5]) % 31, 0);

	/* two clients that started at different rectangles both decode */
	for (unsigned start : { 0u, 3u }) {
		Decoder dec(f);
		for (unsigned i = start; i < payloads.size(); i++) {
			std::vector<uint8_t> const &p = i == start ? zrle_with_stream_header(payloads[i]) : payloads[i];
			std::vector<uint32_t> got;
			ASSERT_NO_THROW(got = dec.decode(ZRLE, images[i].w, images[i].h, p));
			EXPECT_EQ(got, expected(f, images[i]));
		}
	}
}


TEST(VncEncoder, tight_in_a_viewers_own_stream_goes_on_and_mixes_with_shared_payloads)
{
	Pixel_format const f { };
	Decoder dec(f);
	Deflater own(15, 6);
	for (unsigned round = 0; round < 3; round++)
		for (Kind k : kinds) {
			Image const img = make(k, 40, 20, round + 1);
			std::vector<uint8_t> mine;
			encode_tight_own_stream({ TIGHT, f, -1, 6 }, img.pixels(), own, mine);
			std::vector<uint32_t> got;
			ASSERT_NO_THROW(got = dec.decode(TIGHT, 40, 20, mine));
			EXPECT_EQ(got, expected(f, img));

			/* a shared payload in between resets only its own stream */
			std::vector<uint8_t> const shared = encoded({ TIGHT, f, -1, 6 }, img);
			ASSERT_NO_THROW(got = dec.decode(TIGHT, 40, 20, shared));
			EXPECT_EQ(got, expected(f, img));
		}
}


TEST(VncEncoder, tight_payloads_serve_any_client_state)
{
	Pixel_format const f { };
	Decoder dec(f);
	for (Kind k : kinds) {
		Image const img = make(k, 90, 40, 3);
		std::vector<uint8_t> const p = encoded({ TIGHT, f, -1, 6 }, img);
		/* the same payload twice: the second must not depend on the first */
		for (unsigned i = 0; i < 2; i++) {
			std::vector<uint32_t> got;
			ASSERT_NO_THROW(got = dec.decode(TIGHT, 90, 40, p));
			EXPECT_EQ(got, expected(f, img));
		}
	}
}


TEST(VncEncoder, tight_subencodings)
{
	Pixel_format const f { };
	auto control = [&] (Kind k, int quality) {
		return encoded({ TIGHT, f, quality, 6 }, make(k, 64, 64))[0];
	};
	EXPECT_EQ(control(Kind::SOLID, -1), 0x80);                 /* fill */
	EXPECT_EQ(control(Kind::TWO, -1) & 0x4f, 0x42);            /* palette filter, stream 1 reset */
	EXPECT_EQ(control(Kind::FEW, -1) & 0x4f, 0x44);            /* palette filter, stream 2 reset */
	EXPECT_EQ(control(Kind::RANDOM, -1), 0x01);                /* copy, stream 0 reset */
	EXPECT_EQ(control(Kind::RANDOM, 5), 0x90);                 /* JPEG */
	EXPECT_EQ(control(Kind::FEW, 5) & 0xcf, 0x44);             /* few colours stay lossless */
	/* no JPEG for 8-bit pixels */
	EXPECT_NE(encoded({ TIGHT, { 8, 8, false, true, 7, 7, 3, 0, 3, 6 }, 5, 6 },
	                  make(Kind::RANDOM, 64, 64))[0], 0x90);
}


TEST(VncEncoder, tight_jpeg_is_close)
{
	std::vector<Pixel_format> fs { Pixel_format { } };
	fs.push_back({ 16, 16, true, true, 31, 63, 31, 11, 5, 0 });
	for (Pixel_format const &f : fs) {
		Decoder dec(f);
		for (int quality : { 0, 5, 9 }) {
			for (Size s : { Size { 65, 65 }, Size { 300, 7 }, Size { 640, 200 } }) {
				SCOPED_TRACE(::testing::Message() << "q" << quality << " " << s.w << "x" << s.h);
				Image const img = make(Kind::GRADIENT, s.w, s.h);
				std::vector<uint8_t> const p = encoded({ TIGHT, f, quality, 6 }, img);
				ASSERT_EQ(p[0], 0x90);
				std::vector<uint32_t> got;
				ASSERT_NO_THROW(got = dec.decode(TIGHT, s.w, s.h, p));

				/* compare the channels scaled to 8 bits */
				std::vector<uint32_t> const want = expected(f, img);
				double total = 0;
				int worst = 0;
				auto channel = [] (uint32_t v, unsigned shift, unsigned max) {
					return int(((v >> shift) & max) * 255 / max); };
				for (size_t i = 0; i < got.size(); i++) {
					for (auto [shift, max] : { std::pair { f.red_shift, f.red_max },
					                           { f.green_shift, f.green_max },
					                           { f.blue_shift, f.blue_max } }) {
						int const d = std::abs(channel(got[i], shift, max) - channel(want[i], shift, max));
						worst = std::max(worst, d);
						total += d;
					}
				}
				double const mean = total / (got.size() * 3.0);
				EXPECT_LT(mean, quality == 0 ? 20.0 : 6.0);   /* quality 15 is crude on steep ramps */
				EXPECT_LT(worst, quality == 0 ? 96 : 48);
			}
		}
	}
}


TEST(VncEncoder, tight_widest_rectangle)
{
	Pixel_format const f { };
	Decoder dec(f);
	for (Kind k : { Kind::RANDOM, Kind::MANY_FLAT, Kind::TWO }) {
		Image const img = make(k, 2048, 100);
		std::vector<uint32_t> got;
		ASSERT_NO_THROW(got = dec.decode(TIGHT, 2048, 100, encoded({ TIGHT, f, -1, 1 }, img)));
		EXPECT_EQ(got, expected(f, img));
	}
}


/* Threads encoding at once, at different levels, get the bytes one thread gets */
TEST(VncEncoder, threads_encode_independently)
{
	std::vector<Image> images;
	for (Kind k : kinds) images.push_back(make(k, 200, 100));
	std::vector<Encode_params> params;
	for (int32_t e : { HEXTILE, ZRLE, TIGHT })
		for (int level : { 1, 6 })
			params.push_back({ e, { }, e == TIGHT && level == 1 ? 7 : -1, level });

	std::vector<std::vector<uint8_t>> single;
	for (Encode_params const &p : params)
		for (Image const &img : images)
			single.push_back(encoded(p, img));

	std::vector<std::vector<std::vector<uint8_t>>> results(4);
	std::vector<std::thread> threads;
	for (unsigned t = 0; t < 4; t++)
		threads.emplace_back([&, t] {
			for (unsigned round = 0; round < 2; round++)
				for (size_t i = 0; i < params.size(); i++) {
					/* each thread walks the parameters in its own order */
					Encode_params const &p = params[(i + t) % params.size()];
					for (Image const &img : images) {
						std::vector<uint8_t> out;
						encode(p, img.pixels(), out);
						if (round == 0) results[t].push_back(out);
					}
				}
		});
	for (std::thread &t : threads) t.join();

	for (unsigned t = 0; t < 4; t++)
		for (size_t i = 0; i < params.size(); i++)
			for (size_t k = 0; k < images.size(); k++)
				EXPECT_EQ(results[t][i*images.size() + k],
				          single[((i + t) % params.size())*images.size() + k]);
}


TEST(VncEncoder, cursor_payload)
{
	Image img(9, 2);
	for (uint32_t y = 0; y < 2; y++)
		for (uint32_t x = 0; x < 9; x++)
			img.at(x, y) = ((x + y) % 2 ? 0xff000000 : 0x7f000000) | 0x123456;
	Pixel_format const f { 16, 16, false, true, 31, 63, 31, 11, 5, 0 };
	std::vector<uint8_t> out;
	encode_cursor(f, img.pixels(), out);
	ASSERT_EQ(out.size(), 9*2*2 + 2*2u);
	uint32_t const v = f.value(0x123456);
	EXPECT_EQ(out[0], v & 0xff);
	EXPECT_EQ(out[1], v >> 8);
	/* odd pixels opaque in line 0, even ones in line 1 */
	EXPECT_EQ(out[36], 0x55); EXPECT_EQ(out[37], 0x00);
	EXPECT_EQ(out[38], 0xaa); EXPECT_EQ(out[39], 0x80);
}


TEST(VncEncoder, put_pixel)
{
	std::vector<uint8_t> out;
	Pixel_format be { };
	be.big_endian = true;
	put_pixel(be, 0xff102030, out);
	put_pixel({ 8, 8, false, true, 7, 7, 3, 0, 3, 6 }, 0xffffff, out);
	EXPECT_EQ(out, (std::vector<uint8_t> { 0, 0x10, 0x20, 0x30, 0xff }));
}
