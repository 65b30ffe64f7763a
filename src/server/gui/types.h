/*
 * Basic types of the gui server: rectangles with the arithmetic the view
 * stack needs, and colors
 *
 * Client-supplied geometry is sanitised once, where it enters (see
 * 'sanitized'), so that every later computation stays well inside int32.
 */
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>

#include <nestbox/session/framebuffer.h>

namespace Gui_server {

	using namespace nestbox;

	using Pixel = Framebuffer::Pixel;

	/* bounds for anything a client may place or size */
	enum : int32_t { MAX_COORD = 1 << 24, MAX_SIDE = 1 << 14 };

	/* The rectangle spanning x1..x2-1, y1..y2-1 (empty if x2 <= x1 or y2 <= y1) */
	inline Rect rect_between(int64_t x1, int64_t y1, int64_t x2, int64_t y2)
	{
		if (x2 <= x1 || y2 <= y1) return Rect { { 0, 0 }, { 0, 0 } };
		return Rect { { int32_t(x1), int32_t(y1) }, { uint32_t(x2 - x1), uint32_t(y2 - y1) } };
	}

	inline int64_t x_end(Rect r) { return int64_t(r.at.x) + r.area.w; }
	inline int64_t y_end(Rect r) { return int64_t(r.at.y) + r.area.h; }

	inline Rect intersect(Rect a, Rect b)
	{
		if (a.empty() || b.empty()) return Rect { { 0, 0 }, { 0, 0 } };
		return rect_between(std::max(a.at.x, b.at.x), std::max(a.at.y, b.at.y),
		                    std::min(x_end(a), x_end(b)), std::min(y_end(a), y_end(b)));
	}

	/* The smallest rectangle holding both */
	inline Rect bounding(Rect a, Rect b)
	{
		if (a.empty()) return b;
		if (b.empty()) return a;
		return rect_between(std::min(a.at.x, b.at.x), std::min(a.at.y, b.at.y),
		                    std::max(x_end(a), x_end(b)), std::max(y_end(a), y_end(b)));
	}

	inline bool overlap(Rect a, Rect b) { return !intersect(a, b).empty(); }

	inline bool contains(Rect r, Point p)
	{
		return p.x >= r.at.x && p.y >= r.at.y && p.x < x_end(r) && p.y < y_end(r);
	}

	/* 'inner' lies completely within 'outer' */
	inline bool covers(Rect outer, Rect inner)
	{
		return inner.empty() || (inner.at.x >= outer.at.x && inner.at.y >= outer.at.y
		                      && x_end(inner) <= x_end(outer) && y_end(inner) <= y_end(outer));
	}

	inline Point operator + (Point a, Point b) { return { a.x + b.x, a.y + b.y }; }
	inline Point operator - (Point a, Point b) { return { a.x - b.x, a.y - b.y }; }

	inline Rect moved(Rect r, Point d) { return Rect { r.at + d, r.area }; }

	inline Rect grown(Rect r, int32_t d)
	{
		if (r.empty()) return r;
		return rect_between(int64_t(r.at.x) - d, int64_t(r.at.y) - d, x_end(r) + d, y_end(r) + d);
	}

	inline int32_t clamped(int64_t v, int64_t lo, int64_t hi) { return int32_t(std::clamp(v, lo, hi)); }

	inline Point sanitized(Point p)
	{
		return { clamped(p.x, -MAX_COORD, MAX_COORD), clamped(p.y, -MAX_COORD, MAX_COORD) };
	}

	/* A client's rectangle, clamped to what the server is willing to compute with */
	inline Rect sanitized(Rect r)
	{
		return Rect { sanitized(r.at), { std::min<uint32_t>(r.area.w, MAX_SIDE),
		                                 std::min<uint32_t>(r.area.h, MAX_SIDE) } };
	}

	struct Color
	{
		uint8_t r = 0, g = 0, b = 0;

		Pixel pixel() const { return (Pixel(r) << 16) | (Pixel(g) << 8) | b; }

		static Color from_pixel(Pixel p) { return { uint8_t(p >> 16), uint8_t(p >> 8), uint8_t(p) }; }

		/* "#rrggbb", or nothing if malformed */
		static std::optional<Color> parse(std::string_view s)
		{
			if (s.size() != 7 || s[0] != '#') return std::nullopt;
			Pixel v = 0;
			for (char c : s.substr(1)) {
				int d = (c >= '0' && c <= '9') ? c - '0'
				      : (c >= 'a' && c <= 'f') ? c - 'a' + 10
				      : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
				if (d < 0) return std::nullopt;
				v = (v << 4) | Pixel(d);
			}
			return from_pixel(v);
		}
	};

	/* The average of two pixels per channel: how tinted content is mixed */
	inline Pixel average(Pixel a, Pixel b) { return (((a ^ b) & 0xfefefe) >> 1) + (a & b & 0xffffff); }
}
