/*
 * Points, areas and rectangles, and the arithmetic every screen user needs
 *
 * A rectangle spans 'at.x' .. 'at.x + area.w - 1' (likewise y); it is empty
 * when either side is 0. Rectangles often come from clients, so positions
 * may be anywhere in int32 and sides anywhere in uint32: ends are computed
 * in 64 bits, and a result that would not fit a Rect saturates instead of
 * wrapping around.
 */
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

namespace nestbox {

struct Point { int32_t x, y; };
struct Area  { uint32_t w, h; };

struct Rect
{
	Point at;
	Area  area;

	bool     empty()  const { return area.w == 0 || area.h == 0; }
	int32_t  x2()     const { return at.x + int32_t(area.w) - 1; }
	int32_t  y2()     const { return at.y + int32_t(area.h) - 1; }
};

inline Point operator + (Point a, Point b) { return { a.x + b.x, a.y + b.y }; }
inline Point operator - (Point a, Point b) { return { a.x - b.x, a.y - b.y }; }

/* One past the last column and row: exact, whatever the rectangle */
inline int64_t x_end(Rect r) { return int64_t(r.at.x) + r.area.w; }
inline int64_t y_end(Rect r) { return int64_t(r.at.y) + r.area.h; }

/* The rectangle spanning x1..x2-1, y1..y2-1 (empty if x2 <= x1 or y2 <= y1) */
inline Rect rect_between(int64_t x1, int64_t y1, int64_t x2, int64_t y2)
{
	if (x2 <= x1 || y2 <= y1) return Rect { { 0, 0 }, { 0, 0 } };

	using Lim = std::numeric_limits<int32_t>;
	int64_t const cx = std::clamp<int64_t>(x1, Lim::min(), Lim::max());
	int64_t const cy = std::clamp<int64_t>(y1, Lim::min(), Lim::max());
	int64_t const max_side = std::numeric_limits<uint32_t>::max();
	return Rect { { int32_t(cx), int32_t(cy) },
	              { uint32_t(std::min(x2 - cx, max_side)), uint32_t(std::min(y2 - cy, max_side)) } };
}

/* The part both cover; empty (at 0,0) if none */
inline Rect intersect(Rect a, Rect b)
{
	if (a.empty() || b.empty()) return Rect { { 0, 0 }, { 0, 0 } };
	return rect_between(std::max(a.at.x, b.at.x), std::max(a.at.y, b.at.y),
	                    std::min(x_end(a), x_end(b)), std::min(y_end(a), y_end(b)));
}

inline bool overlap(Rect a, Rect b) { return !intersect(a, b).empty(); }

/* The smallest rectangle holding both (an empty one adds nothing) */
inline Rect bounding(Rect a, Rect b)
{
	if (a.empty()) return b;
	if (b.empty()) return a;
	return rect_between(std::min(a.at.x, b.at.x), std::min(a.at.y, b.at.y),
	                    std::max(x_end(a), x_end(b)), std::max(y_end(a), y_end(b)));
}

inline bool contains(Rect r, Point p)
{
	return p.x >= r.at.x && p.y >= r.at.y && p.x < x_end(r) && p.y < y_end(r);
}

/* 'inner' lies completely within 'outer' (an empty one always does) */
inline bool covers(Rect outer, Rect inner)
{
	return inner.empty() || (inner.at.x >= outer.at.x && inner.at.y >= outer.at.y
	                      && x_end(inner) <= x_end(outer) && y_end(inner) <= y_end(outer));
}

inline Rect moved(Rect r, Point d) { return Rect { r.at + d, r.area }; }

/* 'd' more on every side (less for a negative 'd'); an empty rectangle stays empty */
inline Rect grown(Rect r, int32_t d)
{
	if (r.empty()) return r;
	return rect_between(int64_t(r.at.x) - d, int64_t(r.at.y) - d, x_end(r) + d, y_end(r) + d);
}

} /* namespace nestbox */
