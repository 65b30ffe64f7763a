/*
 * Unit tests of the vnc server's parts: the client-message parser, the key
 * maps, the frame snapshots and VNC authentication
 */

#include <atomic>
#include <deque>
#include <malloc.h>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include <client_messages.h>
#include <copy_detect.h>
#include <frame.h>
#include <keymap.h>
#include <output.h>
#include <vnc_auth.h>
#include <wire.h>
#include <encoding/encode_pool.h>
#include <encoding/encode_zlib.h>

using namespace Vnc;

namespace {

	std::vector<uint8_t> bytes(std::initializer_list<int> list)
	{
		std::vector<uint8_t> v;
		for (int b : list) v.push_back(uint8_t(b));
		return v;
	}
}


TEST(VncClientMessages, every_prefix_of_a_message_needs_more)
{
	std::vector<std::vector<uint8_t>> const messages = {
		bytes({ 0, 0, 0, 0, 16, 16, 0, 1, 0, 31, 0, 63, 0, 31, 11, 5, 0, 0, 0, 0 }),
		bytes({ 2, 0, 0, 2, 0, 0, 0, 16, 0xff, 0xff, 0xff, 0x11 }),
		bytes({ 3, 1, 0, 1, 0, 2, 0, 3, 0, 4 }),
		bytes({ 4, 1, 0, 0, 0, 0, 0, 0x61 }),
		bytes({ 5, 1, 0, 10, 0, 20 }),
		bytes({ 150, 1, 0, 0, 0, 0, 1, 0, 1, 0 }),
		bytes({ 248, 0, 0, 0, 0x80, 0, 0, 1, 2, 7, 8 }),
		bytes({ 251, 0, 4, 0, 3, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 4, 0, 3, 0, 0, 0, 0, 0 }),
		bytes({ 255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 0x1e }),
	};
	for (auto const &m : messages) {
		for (size_t n = 0; n < m.size(); n++)
			EXPECT_EQ(parse_client_message({ m.data(), n }).status, Parse_result::Status::NEED_MORE)
				<< "type " << int(m[0]) << " with " << n << " bytes";
		Parse_result const r = parse_client_message(m);
		ASSERT_EQ(r.status, Parse_result::Status::MESSAGE) << "type " << int(m[0]) << ": " << r.error;
		EXPECT_EQ(r.consumed, m.size()) << "type " << int(m[0]);
	}
}


TEST(VncClientMessages, fields_are_decoded)
{
	auto const pf = parse_client_message(bytes({ 0, 0, 0, 0, 16, 16, 1, 1, 0, 31, 0, 63, 0, 31, 11, 5, 0, 0, 0, 0 }));
	Pixel_format const &f = std::get<Set_pixel_format>(pf.message).format;
	EXPECT_EQ(f.bits_per_pixel, 16); EXPECT_TRUE(f.big_endian); EXPECT_EQ(f.green_max, 63);
	EXPECT_EQ(f.red_shift, 11); EXPECT_EQ(f.green_shift, 5); EXPECT_EQ(f.blue_shift, 0);

	auto const enc = parse_client_message(bytes({ 2, 0, 0, 2, 0, 0, 0, 16, 0xff, 0xff, 0xff, 0x11 }));
	EXPECT_EQ(std::get<Set_encodings>(enc.message).encodings, (std::vector<int32_t> { 16, -239 }));

	auto const req = std::get<Update_request>(parse_client_message(bytes({ 3, 1, 0, 1, 0, 2, 0, 3, 0, 4 })).message);
	EXPECT_TRUE(req.incremental); EXPECT_EQ(req.x, 1); EXPECT_EQ(req.y, 2); EXPECT_EQ(req.w, 3); EXPECT_EQ(req.h, 4);

	auto const key = std::get<Qemu_key_event>(parse_client_message(bytes({ 255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 0x1e })).message);
	EXPECT_TRUE(key.down); EXPECT_EQ(key.keysym, 0x61u); EXPECT_EQ(key.keycode, 0x1eu);

	auto const fence = std::get<Client_fence>(parse_client_message(bytes({ 248, 0, 0, 0, 0x80, 0, 0, 1, 2, 7, 8 })).message);
	EXPECT_EQ(fence.flags, 0x80000001u);
	EXPECT_EQ(fence.payload, bytes({ 7, 8 }));

	auto const size = std::get<Set_desktop_size>(parse_client_message(
		bytes({ 251, 0, 4, 0, 3, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 4, 0, 3, 0, 0, 0, 0, 0 })).message);
	EXPECT_EQ(size.w, 1024); EXPECT_EQ(size.h, 768); ASSERT_EQ(size.screens.size(), 1u); EXPECT_EQ(size.screens[0].id, 1u);
}


TEST(VncClientMessages, cut_text_over_the_limit_is_skipped_not_buffered)
{
	/* two gigabytes announced: the parser takes the header and says how much to drop */
	auto const r = parse_client_message(bytes({ 6, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff }));
	ASSERT_EQ(r.status, Parse_result::Status::MESSAGE);
	EXPECT_EQ(r.consumed, 8u);
	EXPECT_EQ(r.skip, 0x7fffffffu);
	EXPECT_EQ(std::get<Cut_text>(r.message).dropped, 0x7fffffffu);

	/* an extended message over the limit likewise (a negative length) */
	auto const big = parse_client_message(bytes({ 6, 0, 0, 0, 0x80, 0, 0, 0 }));
	ASSERT_EQ(big.status, Parse_result::Status::MESSAGE);
	EXPECT_EQ(big.skip, 0x80000000u);

	/* within the limit: the text whole, once it is all there */
	EXPECT_EQ(parse_client_message(bytes({ 6, 0, 0, 0, 0, 0, 0, 3, 'a', 'b' })).status, Parse_result::Status::NEED_MORE);
	auto const text = parse_client_message(bytes({ 6, 0, 0, 0, 0, 0, 0, 3, 'a', 'b', 'c' }));
	ASSERT_EQ(text.status, Parse_result::Status::MESSAGE);
	EXPECT_EQ(std::get<Cut_text>(text.message).latin1, "abc");

	/* extended: the flags and the data after them; without room for the flags, an error */
	auto const ext = parse_client_message(bytes({ 6, 0, 0, 0, 0xff, 0xff, 0xff, 0xfb, 0x08, 0, 0, 1, 7 }));
	ASSERT_EQ(ext.status, Parse_result::Status::MESSAGE);
	EXPECT_EQ(std::get<Extended_clipboard>(ext.message).flags, 0x08000001u);
	EXPECT_EQ(std::get<Extended_clipboard>(ext.message).data, std::vector<uint8_t>({ 7 }));
	EXPECT_EQ(parse_client_message(bytes({ 6, 0, 0, 0, 0xff, 0xff, 0xff, 0xfd })).status, Parse_result::Status::ERROR);
}


TEST(VncClientMessages, hostile_messages_are_refused_with_a_reason)
{
	for (auto const &m : { bytes({ 7 }), bytes({ 2, 0, 0xff, 0xff }), bytes({ 248, 0, 0, 0, 0, 0, 0, 0, 200 }),
	                       bytes({ 251, 0, 4, 0, 3, 0, 200, 0 }), bytes({ 255, 9 }) }) {
		Parse_result const r = parse_client_message(m);
		EXPECT_EQ(r.status, Parse_result::Status::ERROR) << "type " << int(m[0]);
		EXPECT_FALSE(r.error.empty());
	}
}


TEST(VncKeymap, keysyms_and_xt_codes_become_evdev_codes)
{
	EXPECT_EQ(evdev_from_keysym('a'), 30u);      /* KEY_A */
	EXPECT_EQ(evdev_from_keysym('A'), 30u);
	EXPECT_EQ(evdev_from_keysym('!'), 2u);       /* KEY_1, shifted */
	EXPECT_EQ(evdev_from_keysym(0xff0d), 28u);   /* Return: KEY_ENTER */
	EXPECT_EQ(evdev_from_keysym(0xffe1), 42u);   /* Shift_L */
	EXPECT_EQ(evdev_from_keysym(0xe4), uint32_t(KEY_UNKNOWN));   /* ä has no US key, goes as Unicode */
	EXPECT_EQ(unicode_from_keysym(0xe4), 0xe4u);
	EXPECT_EQ(unicode_from_keysym(0x010020ac), 0x20acu);   /* € */
	EXPECT_EQ(unicode_from_keysym(0xff0d), 0u);
	EXPECT_EQ(evdev_from_keysym(0x12345), 0u);

	EXPECT_EQ(evdev_from_xt(0x1e), 30u);         /* A */
	EXPECT_EQ(evdev_from_xt(0x58), 88u);         /* F12 */
	EXPECT_EQ(evdev_from_xt(0xc8), 103u);        /* e0 48: Up */
	EXPECT_EQ(evdev_from_xt(0x9d), 97u);         /* e0 1d: right Ctrl */
	EXPECT_EQ(evdev_from_xt(0xff), 0u);
}


TEST(VncFrames, only_tiles_whose_content_changed_count)
{
	Area const area { 200, 130 };   /* 4x3 tiles, the last column and row partial */
	Frame_history history;
	history.reset(area);
	std::vector<uint32_t> screen(size_t(area.w) * area.h, 0);

	Tile_set damaged(area);
	damaged.set_all();
	EXPECT_TRUE(history.capture(screen.data(), damaged).empty()) << "black stays black";

	screen[size_t(129) * area.w + 199] = 0xffffff;   /* the last pixel: tile (3, 2) */
	screen[70] = 0x123456;                           /* tile (1, 0) */
	Tile_set const changed = history.capture(screen.data(), damaged);
	EXPECT_EQ(changed.count(), 2u);
	EXPECT_TRUE(changed.test(3, 2));
	EXPECT_TRUE(changed.test(1, 0));

	/* each with the box of the pixels that changed: one pixel here */
	Tile_set::Box const b = changed.box(3, 2);
	EXPECT_EQ(b.x1, 7); EXPECT_EQ(b.x2, 7); EXPECT_EQ(b.y1, 1); EXPECT_EQ(b.y2, 1);
	EXPECT_EQ(changed.box(1, 0).x1, 6); EXPECT_EQ(changed.box(1, 0).y2, 0);

	auto const frame = history.current();
	EXPECT_EQ(frame->pixels[size_t(129) * area.w + 199], 0xffffffu);

	/* a frame never changes once published, even as the screen and history go on */
	std::shared_ptr<Frame const> const held = history.current();
	for (uint32_t i = 0; i < 10; i++) {
		screen[70] = i;
		(void)history.capture(screen.data(), damaged);
	}
	EXPECT_EQ(held->pixels[70], 0x123456u);
	EXPECT_EQ(history.current()->pixels[70], 9u);
	EXPECT_EQ(history.current()->pixels[size_t(129) * area.w + 199], 0xffffffu);

	/* undamaged tiles are not looked at: a client's refresh decides */
	screen[0] = 0xabcdef;
	Tile_set elsewhere(area);
	elsewhere.set(2, 2);
	EXPECT_TRUE(history.capture(screen.data(), elsewhere).empty());
}


TEST(VncFrames, recycled_buffers_catch_up_with_every_change)
{
	Area const area { 256, 256 };
	Frame_history history;
	history.reset(area);
	std::vector<uint32_t> screen(size_t(area.w) * area.h, 0);
	Tile_set all(area);
	all.set_all();

	/* each frame changes another tile; every frame must equal the screen */
	for (uint32_t i = 1; i < 40; i++) {
		screen[size_t((i * 37) % 256) * area.w + (i * 53) % 256] = i;
		(void)history.capture(screen.data(), all);
		ASSERT_EQ(history.current()->pixels, screen) << "frame " << i;
	}
}


TEST(VncFrames, a_client_drawing_during_the_capture_is_harmless)
{
	/* the screen is shared with a client that may draw at any time */
	Area const area { 256, 128 };
	Frame_history history;
	history.reset(area);
	std::vector<uint32_t> screen(size_t(area.w) * area.h, 0);
	Tile_set all(area);
	all.set_all();

	std::atomic<bool> stop { false };
	std::thread painter([&] {
		/* one pixel a row flips back and forth: a row differs, and a moment later it does not */
		for (uint32_t v = 0; !stop; v++)
			for (uint32_t y = 0; y < area.h; y++)
				reinterpret_cast<std::atomic<uint32_t> &>(screen[y * area.w + 70]).store(v & 1, std::memory_order_relaxed);
	});
	for (unsigned i = 0; i < 20000; i++) {
		Tile_set const changed = history.capture(screen.data(), all);
		for (uint32_t row = 0; row < changed.rows(); row++)
			for (uint32_t column = 0; column < changed.columns(); column++) {
				if (!changed.test(column, row)) continue;
				Tile_set::Box const b = changed.box(column, row);
				ASSERT_LE(b.x1, b.x2); ASSERT_LT(b.x2, TILE); ASSERT_LE(b.y1, b.y2); ASSERT_LT(b.y2, TILE);
			}
	}
	stop = true;
	painter.join();
}


TEST(VncFrames, a_key_changes_exactly_when_its_pixels_do)
{
	Area const area { 192, 64 };
	Frame_history history;
	history.reset(area);
	std::vector<uint32_t> screen(size_t(area.w) * area.h, 0x808080);
	Tile_set all(area);
	all.set_all();
	(void)history.capture(screen.data(), all);

	Rect const left { { 0, 0 }, { 64, 64 } }, middle { { 64, 0 }, { 64, 64 } }, caret { { 70, 10 }, { 2, 18 } };
	auto const before = history.current();
	uint64_t const left_key = content_key(*before, left), middle_key = content_key(*before, middle);
	EXPECT_NE(left_key, middle_key) << "tiles changed in one frame differ by place";
	EXPECT_NE(content_key(*before, caret), middle_key) << "a part of a tile is not the tile";

	screen[64 + 5] = 1;   /* the middle tile only */
	(void)history.capture(screen.data(), all);
	auto const after = history.current();
	EXPECT_EQ(content_key(*after, left), left_key);
	EXPECT_NE(content_key(*after, middle), middle_key);

	/* a new history (a mode change) never repeats a key */
	history.reset(area);
	EXPECT_NE(content_key(*history.current(), left), left_key);
}


TEST(VncAuth, response_depends_on_password_and_challenge)
{
	Challenge const c = random_challenge();
	Challenge const r = expected_response("secret", c);
	EXPECT_TRUE(response_matches(r, expected_response("secret", c).data()));
	EXPECT_FALSE(response_matches(r, expected_response("secreT", c).data()));
	/* only eight characters count, as in every VNC implementation */
	EXPECT_TRUE(response_matches(expected_response("12345678", c), expected_response("123456789", c).data()));
	EXPECT_NE(random_challenge(), c);
}


namespace {

	/* text-like content: short runs of ink in rows, different everywhere */
	uint32_t page_pixel(uint32_t x, uint32_t y)
	{
		uint32_t const line = y / 16, column = x / 9;
		bool const ink = ((line * 131 + column * 17) % 7 > 1) && (y % 16 > 3) && (x % 9 < 6)
		              && (((x * 3 + y * 5 + line) % 11) < 6);
		return ink ? 0x101010 + (line % 5) * 0x030000 : 0xf0f0f0;
	}

	struct Two_frames
	{
		Area area;
		Frame_history history { };
		std::vector<uint32_t> screen;
		std::shared_ptr<Frame const> previous { };
		Tile_set changed { };

		Two_frames(Area area, auto const &first, auto const &second) : area(area), screen(size_t(area.w) * area.h)
		{
			history.reset(area);
			Tile_set all(area);
			all.set_all();
			fill(first);
			(void)history.capture(screen.data(), all);
			previous = history.current();
			fill(second);
			changed = history.capture(screen.data(), all);
		}

		void fill(auto const &fn)
		{
			for (uint32_t y = 0; y < area.h; y++)
				for (uint32_t x = 0; x < area.w; x++) screen[size_t(y) * area.w + x] = fn(x, y);
		}

		/* the next frame made from the previous by the plan's copies plus the tiles not copied */
		std::vector<uint32_t> apply(Copy_plan const &plan)
		{
			std::vector<uint32_t> out = previous->pixels;
			for (Rect const &r : plan.rects) {
				std::vector<uint32_t> tmp;
				for (uint32_t y = 0; y < r.area.h; y++)
					for (uint32_t x = 0; x < r.area.w; x++)
						tmp.push_back(out[size_t(r.at.y + int32_t(y) - plan.dy) * area.w + uint32_t(r.at.x + int32_t(x) - plan.dx)]);
				for (uint32_t y = 0; y < r.area.h; y++)
					for (uint32_t x = 0; x < r.area.w; x++)
						out[size_t(r.at.y + int32_t(y)) * area.w + uint32_t(r.at.x) + x] = tmp[size_t(y) * r.area.w + x];
			}
			auto const next = history.current();
			for (uint32_t row = 0; row < changed.rows(); row++)
				for (uint32_t column = 0; column < changed.columns(); column++) {
					if (!changed.test(column, row) || plan.tiles.test(column, row)) continue;
					Rect const t = next->tile_rect(column, row);
					for (uint32_t y = 0; y < t.area.h; y++)
						for (uint32_t x = 0; x < t.area.w; x++) {
							size_t const at = size_t(t.at.y + int32_t(y)) * area.w + uint32_t(t.at.x) + x;
							out[at] = next->pixels[at];
						}
				}
			return out;
		}
	};
}


TEST(VncCopyDetect, scrolled_text_is_copied)
{
	Two_frames f(Area { 640, 480 }, [] (uint32_t x, uint32_t y) { return page_pixel(x, y); },
	                                [] (uint32_t x, uint32_t y) { return page_pixel(x, y + 24); });
	auto const plan = detect_copy(*f.previous, *f.history.current(), f.changed);
	ASSERT_TRUE(plan);
	EXPECT_EQ(plan->dx, 0);
	EXPECT_EQ(plan->dy, -24);
	EXPECT_GT(plan->tiles.count(), f.changed.count() * 3 / 4) << "most of the page is a copy";
	EXPECT_EQ(f.apply(*plan), f.history.current()->pixels) << "copies in the plan's order rebuild the frame";

	/* the last offset as a hint gives the same plan; a wrong hint is outvoted */
	auto const hinted = detect_copy(*f.previous, *f.history.current(), f.changed, Offset { 0, -24 });
	ASSERT_TRUE(hinted);
	EXPECT_EQ(hinted->tiles.count(), plan->tiles.count());
	auto const misled = detect_copy(*f.previous, *f.history.current(), f.changed, Offset { 7, 3 });
	ASSERT_TRUE(misled);
	EXPECT_EQ(misled->dy, -24);
}


TEST(VncCopyDetect, a_moving_window_is_copied_in_a_safe_order)
{
	auto window = [] (int32_t wx, int32_t wy) {
		return [=] (uint32_t x, uint32_t y) {
			bool const inside = int32_t(x) >= wx && int32_t(x) < wx + 300 && int32_t(y) >= wy && int32_t(y) < wy + 260;
			return inside ? page_pixel(uint32_t(int32_t(x) - wx), uint32_t(int32_t(y) - wy)) : 0x3060a0u;
		};
	};
	for (auto [dx, dy] : { std::pair { 7, 3 }, std::pair { -7, -3 }, std::pair { 70, -40 } }) {
		Two_frames f(Area { 800, 600 }, window(200, 150), window(200 + dx, 150 + dy));
		auto const plan = detect_copy(*f.previous, *f.history.current(), f.changed);
		ASSERT_TRUE(plan) << dx << "," << dy;
		EXPECT_EQ(plan->dx, dx);
		EXPECT_EQ(plan->dy, dy);
		EXPECT_FALSE(plan->tiles.empty());
		EXPECT_EQ(f.apply(*plan), f.history.current()->pixels) << dx << "," << dy;
	}
}


TEST(VncCopyDetect, new_content_is_not_a_copy)
{
	Two_frames f(Area { 320, 240 }, [] (uint32_t x, uint32_t y) { return page_pixel(x, y); },
	                                [] (uint32_t x, uint32_t y) { return (x * 7919 + y * 104729) * 2654435761u; });
	EXPECT_FALSE(detect_copy(*f.previous, *f.history.current(), f.changed));
}


/*
 * The cap counts what a client holds with what the allocator and the
 * containers spend on it: the constants it uses are measured here, on the
 * heap itself (glibc's mallinfo2), never below the real cost
 */
namespace {

	size_t heap_in_use()
	{
		struct mallinfo2 const m = ::mallinfo2();
		return m.uordblks + m.hblkhd;
	}
}


TEST(VncMemoryAccounting, a_zlib_stream_costs_no_more_than_counted)
{
	std::vector<uint8_t> input(256 * 1024);
	for (size_t i = 0; i < input.size(); i++) input[i] = uint8_t((i * 2654435761u) >> 13);
	std::vector<uint8_t> out;
	out.reserve(input.size() * 2);

	size_t const before = heap_in_use();
	auto stream = std::make_unique<Vnc::Deflater>(15, 9);   /* a viewer's own Tight stream */
	stream->compress(input.data(), input.size(), out, false);
	size_t const cost = heap_in_use() - before;
	EXPECT_GT(cost, size_t(200 * 1024)) << "deflate's state is large: it must be counted";
	EXPECT_LE(cost, size_t(Vnc::Wire::ZLIB_STREAM_BYTES)) << "measured " << cost;
}


TEST(VncMemoryAccounting, queued_chunks_and_waiting_messages_cost_no_more_than_counted)
{
	constexpr size_t N = 100000;
	{
		size_t const before = heap_in_use();
		std::deque<Vnc::Chunk> queue;
		size_t counted = 0;
		for (size_t i = 0; i < N; i++) {
			queue.push_back(Vnc::Chunk { std::vector<uint8_t>(2, uint8_t(i)), { }, 0 });   /* a pong */
			counted += Vnc::Wire::CHUNK_OVERHEAD + queue.back().own.capacity();
		}
		size_t const cost = heap_in_use() - before;
		EXPECT_LE(cost, counted) << "measured " << cost / N << " bytes a chunk";
	}
	{
		size_t const before = heap_in_use();
		std::vector<std::vector<uint8_t>> waiting;
		for (size_t i = 0; i < N; i++) waiting.push_back(std::vector<uint8_t>(10, uint8_t(i)));   /* fence replies */
		size_t counted = waiting.capacity() * sizeof(std::vector<uint8_t>);
		for (auto const &m : waiting) counted += m.capacity() + Vnc::Wire::MESSAGE_OVERHEAD;
		size_t const cost = heap_in_use() - before;
		EXPECT_LE(cost, counted) << "measured " << cost / N << " bytes a message";
	}
}


/*
 * The encode cache's bound ('cache_mb') is its real memory: a cache of tiny
 * payloads (a caret, a clock's digits) holds thousands of entries, each
 * with a hash-table node, an LRU node and a shared vector, which cost far
 * more than the payload's bytes. Counted at ENTRY_OVERHEAD each, and
 * measured here on the heap. Without it, the soak's continuous viewer
 * grew the vnc server's heap by 1.3 MiB over a 2 MiB cache.
 */
TEST(VncMemoryAccounting, the_encode_cache_holds_no_more_than_its_bound)
{
	nestbox::Entrypoint ep;
	auto frame = std::make_shared<Frame>(Area { 64, 64 });
	size_t const bound = 256 * 1024;
	size_t const before = heap_in_use();
	{
		Encode_pool pool { ep, 0, bound };   /* encodes on the entrypoint */
		size_t served = 0;
		for (uint64_t i = 1; i <= 20000; i++) {
			frame->tile_version[0] = i;   /* new content: a new entry */
			pool.request(frame, Rect { { 0, 0 }, { 1, 1 } }, Encode_params { },
			             [&] (Payload const &p) { if (p && p->size() == 4) served++; });
			if (i % 64 == 0) ep.dispatch_once(0);
		}
		ep.dispatch_once(0);
		EXPECT_EQ(served, size_t(20000));
		EXPECT_LE(pool.cached_bytes(), bound);
		EXPECT_GT(pool.cached_entries(), size_t(100)) << "the cache keeps tiny payloads";
		size_t const cost = heap_in_use() - before;
		EXPECT_LE(cost, bound + bound / 8) << "measured " << cost / pool.cached_entries()
		                                   << " bytes an entry of 4 payload bytes";
	}
}
