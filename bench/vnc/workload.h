/*
 * The deterministic frames of the VNC benchmark (bench/vnc)
 *
 * One header, no dependencies, shared by the nestbox client (vnc_workload),
 * the X client (x_workload) and the meter (vnc_meter), so that both servers
 * get exactly the same pixels:
 *
 *   Vnc_bench::Frames frames { Vnc_bench::Workload::SCROLL, 1920, 1080 };
 *   Vnc_bench::Rect r = frames.changed(n);    // what differs from frame n-1
 *   frames.draw(n, r, pixels, stride);         // XRGB8888, stride in pixels
 *
 * What frame N shows is a pure function of the workload, the screen size and
 * N (frame 0 is the whole screen), so a frame can be redrawn in part, e.g.
 * where the input marker was. The workloads (docs/PERFORMANCE.md):
 *
 *   idle       a static desktop, the caret in its editor toggles every 15th frame
 *   scroll     a page of text scrolling up by 4 px per frame under a static bar
 *   window     a textured 800x560 window moving by (7,3) px per frame, bouncing
 *   animation  the whole screen changes: drifting gradients and bouncing shapes
 *
 * The input marker, a solid 32x32 square of MARKER_COLOR at MARKER_X,
 * MARKER_Y, is the clients' answer to a key press; no workload ever shows a
 * colour near it.
 *
 * The frame tag, a row of TAG_BITS black or white 8x8 cells at the right end
 * of the bottom line (where a desktop's clock would be), holds the number of
 * the last frame that changed something (mod 2^TAG_BITS). It lets the meter
 * count the frames a client was shown, however a server splits them into
 * updates or sends the same pixels again (TigerVNC's lossless refresh). A
 * client refreshes the tag after the rest of a frame (tag_separate).
 */
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace Vnc_bench {

	enum class Workload { IDLE, SCROLL, WINDOW, ANIMATION };

	enum : int { MARKER_X = 64, MARKER_Y = 64, MARKER_SIZE = 32, CARET_PERIOD = 15,
	             TAG_BITS = 16, TAG_CELL = 8 };
	enum : uint32_t { MARKER_COLOR = 0xff00ff };

	struct Rect;
	class  Frames;

	inline std::optional<Workload> workload_from_name(std::string_view name)
	{
		if (name == "idle")      return Workload::IDLE;
		if (name == "scroll")    return Workload::SCROLL;
		if (name == "window")    return Workload::WINDOW;
		if (name == "animation") return Workload::ANIMATION;
		return std::nullopt;
	}

	/* True if a pixel is close enough to the marker colour (after JPEG) */
	inline bool marker_like(uint32_t xrgb)
	{
		unsigned const r = (xrgb >> 16) & 0xff, g = (xrgb >> 8) & 0xff, b = xrgb & 0xff;
		return r > 200 && g < 64 && b > 200;
	}
}


struct Vnc_bench::Rect
{
	int x = 0, y = 0, w = 0, h = 0;

	bool empty() const { return w <= 0 || h <= 0; }

	Rect intersect(Rect o) const
	{
		int const x1 = std::max(x, o.x), y1 = std::max(y, o.y);
		int const x2 = std::min(x + w, o.x + o.w), y2 = std::min(y + h, o.y + o.h);
		return (x2 > x1 && y2 > y1) ? Rect { x1, y1, x2 - x1, y2 - y1 } : Rect { };
	}

	Rect unite(Rect o) const
	{
		if (empty())   return o;
		if (o.empty()) return *this;
		int const x1 = std::min(x, o.x), y1 = std::min(y, o.y);
		int const x2 = std::max(x + w, o.x + o.w), y2 = std::max(y + h, o.y + o.h);
		return { x1, y1, x2 - x1, y2 - y1 };
	}
};


class Vnc_bench::Frames
{
	private:

		enum : int {
			CELL_W = 9, CELL_H = 16, LINE_H = 20,      /* text: glyph cell and line pitch */
			GLYPHS = 64,
			BAR_H = 56, TASKBAR_H = 40,                /* scroll: browser bar; desktop: taskbar */
			PAGE_X = 280, SCROLL_STEP = 4,
			WIN_W = 800, WIN_H = 560, WIN_DX = 7, WIN_DY = 3,
			EDIT_X = 120, EDIT_Y = 140, EDIT_W = 900, EDIT_H = 620,
			SHAPES = 14,
		};

		Workload const _workload;
		int      const _w, _h;

		uint16_t              _glyph[GLYPHS][CELL_H] { };   /* bit i: pixel i of the row */
		std::vector<uint32_t> _desktop { };                 /* idle, window: the static screen */
		std::vector<uint32_t> _window  { };                 /* window: the moving window */

		static uint64_t _hash(uint64_t v)
		{
			v += 0x9e3779b97f4a7c15ull;
			v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ull;
			v = (v ^ (v >> 27)) * 0x94d049bb133111ebull;
			return v ^ (v >> 31);
		}

		/* 0..255..0 over a period of 512 */
		static unsigned _tri(long v) { v &= 511; return unsigned(v < 256 ? v : 511 - v); }

		static uint32_t _rgb(unsigned r, unsigned g, unsigned b) { return (r << 16) | (g << 8) | b; }

		/*
		 * Letter-like glyphs: stems, bars, bowls and ascenders picked from a
		 * hash, so that text compresses and looks like text, not like noise
		 */
		void _make_glyphs()
		{
			for (int g = 0; g < GLYPHS; g++) {
				uint64_t const bits = _hash(uint64_t(g) * 7919);
				uint16_t *rows = _glyph[g];
				int const top = (bits & 1) ? 2 : 5, bottom = (bits & 2) && !(bits & 1) ? 15 : 12;
				for (int y = top; y < bottom; y++) {
					if (bits & 4)               rows[y] |= 1u << 1;
					if (bits & 8 && y >= 5)     rows[y] |= 1u << 6;
					if (bits & 16 && y >= 7)    rows[y] |= 1u << 3;
				}
				auto bar = [&] (int y) { rows[y] |= 0x7e; };
				if (bits & 32)  bar(5);
				if (bits & 64)  bar(8);
				if (bits & 128) bar(11);
				if (!(bits & (4 | 8 | 16)))   /* no stem: a bowl */
					for (int y = 6; y < 12; y++) rows[y] |= (y == 6 || y == 11) ? 0x3c : 0x42;
			}
		}

		/* Row 'gy' of text line 'line' starting at 'ox', clipped to [x1, x2) */
		void _text_row(uint32_t *row, int x1, int x2, int ox, uint64_t line, int gy, uint32_t color) const
		{
			if (gy < 0 || gy >= CELL_H) return;
			uint64_t const h = _hash(line);
			if (h % 7 == 6) return;                                 /* paragraph break */
			int const chars = 30 + int(h % 100);
			int const first = std::max(0, (x1 - ox) / CELL_W), last = std::min(chars, (x2 - ox) / CELL_W + 1);
			for (int c = first; c < last; c++) {
				uint64_t const ch = _hash(line * 131 + uint64_t(c));
				if (ch % 6 == 0) continue;                      /* a space between words */
				uint16_t const bits = _glyph[ch % GLYPHS][gy];
				int const cx = ox + c * CELL_W;
				for (int i = 0; bits >> i; i++)
					if ((bits >> i) & 1 && cx + i >= x1 && cx + i < x2) row[cx + i] = color;
			}
		}

		void _fill(std::vector<uint32_t> &buf, int stride, Rect r, uint32_t color)
		{
			for (int y = r.y; y < r.y + r.h; y++)
				std::fill_n(&buf[size_t(y) * stride + r.x], r.w, color);
		}

		/* A window of text into 'buf' at 'r': title bar, white content, 'lines' from 'first' */
		void _text_window(std::vector<uint32_t> &buf, int stride, Rect r, uint64_t first, uint32_t title)
		{
			_fill(buf, stride, r, 0x404040);
			_fill(buf, stride, { r.x + 1, r.y + 1, r.w - 2, 30 }, title);
			_fill(buf, stride, { r.x + 1, r.y + 31, r.w - 2, r.h - 32 }, 0xfafafa);
			for (int y = r.y + 40; y < r.y + r.h - 10; y++) {
				int const ly = y - (r.y + 40);
				_text_row(&buf[size_t(y) * stride], r.x + 10, r.x + r.w - 10, r.x + 12,
				          first + uint64_t(ly / LINE_H), ly % LINE_H, 0x202020);
			}
			for (int y = r.y + 8; y < r.y + 24; y++)
				_text_row(&buf[size_t(y) * stride], r.x + 10, r.x + r.w / 2, r.x + 12, first + 999, y - r.y - 8, 0xf0f0f0);
		}

		void _make_desktop()
		{
			_desktop.assign(size_t(_w) * _h, 0);
			for (int y = 0; y < _h; y++) {
				unsigned const t = unsigned(y * 255 / std::max(1, _h - 1));
				std::fill_n(&_desktop[size_t(y) * _w], _w, _rgb(30 + t / 8, 90 - t / 5, 120 - t / 4));
			}
			_fill(_desktop, _w, { 0, _h - TASKBAR_H, _w, TASKBAR_H }, 0x2a2a2e);
			for (int i = 0; i < 8; i++)
				_fill(_desktop, _w, { 8 + i * 48, _h - TASKBAR_H + 6, 36, 28 }, _rgb(60 + i * 20, 120, 160 - i * 10));
			_text_window(_desktop, _w, Rect { EDIT_X, EDIT_Y, EDIT_W, EDIT_H }.intersect({ 0, 0, _w, _h - TASKBAR_H }), 1000, 0x3060a0);
			Rect const files = Rect { 1100, 200, 640, 480 }.intersect({ 0, 0, _w, _h - TASKBAR_H });
			if (!files.empty()) {
				_text_window(_desktop, _w, files, 5000, 0x507050);
				for (int i = 0; i < 12 && files.w > 600; i++)
					_fill(_desktop, _w, { files.x + 20 + (i % 6) * 100, files.y + 260 + (i / 6) * 100, 64, 56 },
					      _rgb(200, 160 + i * 6, 60));
			}
		}

		void _make_window()
		{
			_window.assign(size_t(WIN_W) * WIN_H, 0);
			_text_window(_window, WIN_W, { 0, 0, WIN_W, WIN_H }, 9000, 0x8a3030);
			/* a photo-like picture: smooth rings and a ramp, JPEG's kind of content */
			for (int y = 60; y < 300; y++)
				for (int x = 420; x < 780; x++) {
					int const dx = x - 560, dy = y - 170;
					unsigned const ring = _tri(long(std::sqrt(double(dx * dx + dy * dy)) * 6));
					_window[size_t(y) * WIN_W + x] = _rgb(ring / 2 + 60, (x - 420) * 200 / 360 + 40, 120 - ring / 3);
				}
		}

		static int _bounce(long pos, int range)
		{
			if (range <= 0) return 0;
			long const p = pos % (2L * range);
			return int(p < range ? p : 2L * range - p);
		}

		Rect _window_rect(uint64_t frame) const
		{
			return { _bounce(long(frame) * WIN_DX, _w - WIN_W), _bounce(long(frame) * WIN_DY, _h - TASKBAR_H - WIN_H),
			         WIN_W, WIN_H };
		}

		Rect _caret_rect() const
		{
			/* at the end of the editor's fourth text line */
			return Rect { EDIT_X + 12 + 40 * CELL_W, EDIT_Y + 40 + 3 * LINE_H - 1, 2, 18 }.intersect({ 0, 0, _w, _h });
		}

		void _copy(std::vector<uint32_t> const &from, int from_stride, int fx, int fy,
		           Rect r, uint32_t *px, size_t stride) const
		{
			for (int y = r.y; y < r.y + r.h; y++)
				std::copy_n(&from[size_t(y - fy) * from_stride + (r.x - fx)], r.w, px + size_t(y) * stride + r.x);
		}

		void _draw_scroll(uint64_t frame, Rect clip, uint32_t *px, size_t stride) const
		{
			long const offset = long(frame) * SCROLL_STEP;
			for (int y = clip.y; y < clip.y + clip.h; y++) {
				uint32_t *row = px + size_t(y) * stride;
				if (y < BAR_H) {   /* the browser's bar: tabs, an address field */
					uint32_t const c = y < 30 ? 0xdedede : (y == BAR_H - 1 ? 0xa0a0a0 : 0xf2f2f2);
					std::fill_n(row + clip.x, clip.w, c);
					if (y >= 34 && y < 50)
						_text_row(row, clip.x, clip.x + clip.w, 300, 77, y - 34, 0x303030);
					if (y >= 6 && y < 30)
						for (int x = std::max(clip.x, 8); x < std::min(clip.x + clip.w, 248); x++) row[x] = 0xffffff;
					continue;
				}
				std::fill_n(row + clip.x, clip.w, 0xffffff);
				long const doc_y = y - BAR_H + offset;
				uint64_t const line = uint64_t(doc_y / LINE_H);
				bool const heading = _hash(line) % 23 == 0;
				_text_row(row, clip.x, std::min(clip.x + clip.w, _w - PAGE_X), PAGE_X, line, int(doc_y % LINE_H),
				          heading ? 0x1a4d9c : 0x222222);
			}
		}

		void _draw_animation(uint64_t frame, Rect clip, uint32_t *px, size_t stride) const
		{
			long const t = long(frame);
			std::vector<uint32_t> red(size_t(clip.w));
			for (int x = clip.x; x < clip.x + clip.w; x++)
				red[size_t(x - clip.x)] = _tri(x / 4 + 5 * t) << 16;

			for (int y = clip.y; y < clip.y + clip.h; y++) {
				uint32_t *row = px + size_t(y) * stride;
				unsigned const g = _tri(y / 3 - 3 * t) * 3 / 4;
				for (int x = clip.x; x < clip.x + clip.w; x++) {
					unsigned const b = 0x40 + _tri((x + y) / 6 + 2 * t) / 3;
					row[x] = red[size_t(x - clip.x)] | (g << 8) | b;
				}
			}

			/* bouncing discs and squares, in colours far from the marker's */
			static uint32_t const palette[] = { 0xf0c020, 0x20c0f0, 0x30d060, 0xf06030, 0xffffff, 0x202020, 0x8080ff };
			for (int i = 0; i < SHAPES; i++) {
				uint64_t const h = _hash(uint64_t(i) + 4242);
				int const size = 60 + int(h % 160);
				int const vx = 3 + int((h >> 8) % 9), vy = 2 + int((h >> 16) % 7);
				int const sx = _bounce(long((h >> 24) % 4000) + t * vx, _w - size);
				int const sy = _bounce(long((h >> 40) % 4000) + t * vy, _h - size);
				uint32_t const color = palette[(h >> 56) % 7];
				bool const disc = i % 3 != 0;
				Rect const box = Rect { sx, sy, size, size }.intersect(clip);
				for (int y = box.y; y < box.y + box.h; y++) {
					int x1 = box.x, x2 = box.x + box.w;
					if (disc) {
						double const r = size / 2.0, dy = y - sy - r + 0.5;
						double const half = std::sqrt(std::max(0.0, r * r - dy * dy));
						x1 = std::max(x1, int(sx + r - half));
						x2 = std::min(x2, int(sx + r + half));
					}
					if (x2 > x1) std::fill(px + size_t(y) * stride + x1, px + size_t(y) * stride + x2, color);
				}
			}
		}

	public:

		Frames(Workload workload, int w, int h) : _workload(workload), _w(w), _h(h)
		{
			_make_glyphs();
			if (workload == Workload::IDLE || workload == Workload::WINDOW) _make_desktop();
			if (workload == Workload::WINDOW) _make_window();
		}

		Rect screen() const { return { 0, 0, _w, _h }; }

		static Rect marker() { return { MARKER_X, MARKER_Y, MARKER_SIZE, MARKER_SIZE }; }

		static Rect tag(int w, int h) { return { w - 8 - TAG_BITS * TAG_CELL, h - 16, TAG_BITS * TAG_CELL, TAG_CELL }; }

		Rect tag() const { return tag(_w, _h); }

		/* The number the tag of frame 'frame' shows */
		uint32_t tag_value(uint64_t frame) const
		{
			uint64_t const last = _workload == Workload::IDLE ? frame - frame % CARET_PERIOD : frame;
			return uint32_t(last & ((1u << TAG_BITS) - 1));
		}

		/* True if the tag changes with 'frame' but lies outside 'changed(frame)' */
		bool tag_separate(uint64_t frame) const
		{
			Rect const c = changed(frame);
			return !c.empty() && c.intersect(tag()).w != tag().w;
		}

		/* The tag a client shows in its copy of the screen (XRGB8888) */
		static uint32_t read_tag(uint32_t const *px, size_t stride, int w, int h)
		{
			Rect const r = tag(w, h);
			uint32_t v = 0;
			for (int i = 0; i < TAG_BITS; i++) {
				uint32_t const p = px[size_t(r.y + TAG_CELL / 2) * stride + size_t(r.x + i * TAG_CELL + TAG_CELL / 2)];
				unsigned const sum = ((p >> 16) & 0xff) + ((p >> 8) & 0xff) + (p & 0xff);
				if (sum > 3 * 128) v |= 1u << i;
			}
			return v;
		}

		/* What frame 'frame' changes against the one before (frame 0: everything) */
		Rect changed(uint64_t frame) const
		{
			if (frame == 0) return screen();
			switch (_workload) {
			case Workload::IDLE:      return frame % CARET_PERIOD == 0 ? _caret_rect() : Rect { };
			case Workload::SCROLL:    return Rect { 0, BAR_H, _w, _h - BAR_H };
			case Workload::WINDOW:    return _window_rect(frame - 1).unite(_window_rect(frame)).intersect(screen());
			case Workload::ANIMATION: return screen();
			}
			return screen();
		}

		/* Paint what frame 'frame' shows inside 'clip' (XRGB8888, 'stride' in pixels) */
		void draw(uint64_t frame, Rect clip, uint32_t *px, size_t stride) const
		{
			clip = clip.intersect(screen());
			if (clip.empty()) return;
			_draw_content(frame, clip, px, stride);

			/* the tag on top, last */
			Rect const t = tag();
			uint32_t const value = tag_value(frame);
			for (int y = std::max(clip.y, t.y); y < std::min(clip.y + clip.h, t.y + t.h); y++)
				for (int x = std::max(clip.x, t.x); x < std::min(clip.x + clip.w, t.x + t.w); x++)
					px[size_t(y) * stride + size_t(x)] = (value >> ((x - t.x) / TAG_CELL)) & 1 ? 0xffffff : 0x000000;
		}

	private:

		void _draw_content(uint64_t frame, Rect clip, uint32_t *px, size_t stride) const
		{

			switch (_workload) {
			case Workload::IDLE:
				_copy(_desktop, _w, 0, 0, clip, px, stride);
				if ((frame / CARET_PERIOD) % 2 == 0) {
					Rect const caret = _caret_rect().intersect(clip);
					for (int y = caret.y; y < caret.y + caret.h; y++)
						std::fill_n(px + size_t(y) * stride + caret.x, caret.w, 0x000000);
				}
				return;
			case Workload::SCROLL:
				_draw_scroll(frame, clip, px, stride);
				return;
			case Workload::WINDOW: {
				_copy(_desktop, _w, 0, 0, clip, px, stride);
				Rect const win = _window_rect(frame);
				Rect const part = win.intersect(clip);
				if (!part.empty()) _copy(_window, WIN_W, win.x, win.y, part, px, stride);
				return; }
			case Workload::ANIMATION:
				_draw_animation(frame, clip, px, stride);
				return;
			}
		}

	public:

		static void draw_marker(uint32_t *px, size_t stride)
		{
			for (int y = MARKER_Y; y < MARKER_Y + MARKER_SIZE; y++)
				std::fill_n(px + size_t(y) * stride + MARKER_X, MARKER_SIZE, MARKER_COLOR);
		}
};
