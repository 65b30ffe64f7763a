/*
 * Canvas: drawing primitives over a pixel array
 */

#include <app/canvas.h>

#include <algorithm>
#include <cstdlib>

using namespace App;


Rect Canvas::clipped(Rect r) const { return intersect(r, bounds()); }


void Canvas::fill(Rect r, Color c)
{
	Rect const clip = clipped(r);
	Pixel const value = c.pixel();

	for (int y = clip.at.y; y <= clip.y2(); y++)
		std::fill_n(&_at(clip.at.x, y), clip.area.w, value);
}


void Canvas::blend(Point p, Color c, uint8_t alpha)
{
	if (!_inside(p.x, p.y) || alpha == 0) return;

	Pixel &dst = _at(p.x, p.y);
	Color const old = Color::from_pixel(dst);

	/* rounded, so that alpha 255 gives exactly 'c' */
	auto mix = [&] (uint8_t fg, uint8_t bg) {
		return uint8_t((fg * alpha + bg * (255 - alpha) + 127) / 255); };

	dst = Color { mix(c.r, old.r), mix(c.g, old.g), mix(c.b, old.b) }.pixel();
}


void Canvas::line(Point a, Point b, Color c, unsigned width)
{
	/* the brush is centered on the line; an even width leans to the top left */
	int const w    = int(std::max(width, 1u));
	int const half = (w - 1) / 2;

	auto stamp = [&] (int x, int y) {
		if (w == 1) plot({ x, y }, c);
		else        fill({ { x - half, y - half }, { unsigned(w), unsigned(w) } }, c);
	};

	/* Bresenham: integer steps only, so a line is the same on every machine */
	int const dx = std::abs(b.x - a.x), sx = a.x < b.x ? 1 : -1;
	int const dy = -std::abs(b.y - a.y), sy = a.y < b.y ? 1 : -1;
	int err = dx + dy;

	for (int x = a.x, y = a.y;;) {
		stamp(x, y);
		if (x == b.x && y == b.y) break;
		int const e2 = 2 * err;
		if (e2 >= dy) { err += dy; x += sx; }
		if (e2 <= dx) { err += dx; y += sy; }
	}
}


void Canvas::fill_circle(Point center, unsigned radius, Color c)
{
	int64_t const r  = radius;
	int64_t const rr = r * r;

	for (int64_t dy = -r; dy <= r; dy++) {

		/* the widest run of this line whose pixels lie within the radius */
		int64_t dx = 0;
		while ((dx + 1) * (dx + 1) + dy * dy <= rr) dx++;

		fill({ { int32_t(center.x - dx), int32_t(center.y + dy) }, { uint32_t(2 * dx + 1), 1 } }, c);
	}
}
