/*
 * Canvas operations
 */

#include <cstring>

#include "canvas.h"
#include "font.h"

using namespace Gui_server;


void Canvas::fill(Rect r, Pixel color)
{
	Rect const c = intersect(r, _clip);
	for (int32_t y = c.at.y; y < y_end(c); y++) {
		Pixel *line = &_at(c.at.x, y);
		for (uint32_t x = 0; x < c.area.w; x++) line[x] = color;
	}
}


static inline Pixel blend(Pixel src, Pixel dst, unsigned a)
{
	auto channel = [&] (unsigned shift) {
		unsigned const s = (src >> shift) & 0xff, d = (dst >> shift) & 0xff;
		return Pixel((s * a + d * (255 - a) + 127) / 255) << shift;
	};
	return channel(16) | channel(8) | channel(0);
}


void Canvas::draw_texture(Texture const &texture, Point origin, Rect area, Mode mode, Pixel mix)
{
	Rect const c = intersect(area, _clip);
	if (c.empty()) return;

	/* black where the view shows no part of the buffer */
	Rect const covered = intersect(c, Rect { origin, texture.valid() ? texture.area : Area { 0, 0 } });
	if (covered.empty()) { fill(c, 0); return; }
	if (!covers(covered, c)) {
		fill(rect_between(c.at.x, c.at.y, x_end(c), covered.at.y), 0);
		fill(rect_between(c.at.x, y_end(covered), x_end(c), y_end(c)), 0);
		fill(rect_between(c.at.x, covered.at.y, covered.at.x, y_end(covered)), 0);
		fill(rect_between(x_end(covered), covered.at.y, x_end(c), y_end(covered)), 0);
	}

	if (mode == Mode::ALPHA && !texture.alpha) mode = Mode::SOLID;

	size_t const tw = texture.area.w;
	for (int32_t y = covered.at.y; y < y_end(covered); y++) {
		size_t const row = size_t(y - origin.y) * tw + size_t(covered.at.x - origin.x);
		Pixel         *dst = &_at(covered.at.x, y);
		Pixel   const *src = texture.pixels + row;
		uint32_t const w   = covered.area.w;

		switch (mode) {
		case Mode::SOLID:
			std::memcpy(dst, src, w * sizeof(Pixel));
			break;
		case Mode::TINTED:
			for (uint32_t x = 0; x < w; x++) dst[x] = average(src[x], mix);
			break;
		case Mode::ALPHA: {
			uint8_t const *alpha = texture.alpha + row;
			for (uint32_t x = 0; x < w; x++)
				dst[x] = alpha[x] == 255 ? (src[x] & 0xffffff)
				       : alpha[x] == 0   ? dst[x] : blend(src[x], dst[x], alpha[x]);
			break; }
		}
	}
}


int32_t Canvas::draw_text(Point at, std::string_view text, Pixel color)
{
	for (char const ch : text) {
		Rect const cell { at, { Font::WIDTH, Font::HEIGHT } };
		if (overlap(cell, _clip)) {
			for (unsigned y = 0; y < Font::HEIGHT; y++) {
				uint8_t const bits = Font::row(ch, y);
				for (unsigned x = 0; x < Font::WIDTH; x++) {
					Point const p { at.x + int32_t(x), at.y + int32_t(y) };
					if ((bits >> (Font::WIDTH - 1 - x)) & 1 && contains(_clip, p))
						_at(p.x, p.y) = color;
				}
			}
		}
		at.x += Font::ADVANCE;
	}
	return at.x;
}


void Canvas::draw_outline(Rect r, Pixel color)
{
	if (r.empty()) return;
	fill({ r.at, { r.area.w, 1 } }, color);
	fill({ { r.at.x, int32_t(y_end(r) - 1) }, { r.area.w, 1 } }, color);
	fill({ r.at, { 1, r.area.h } }, color);
	fill({ { int32_t(x_end(r) - 1), r.at.y }, { 1, r.area.h } }, color);
}


void Canvas::draw_shape(Point at, char const *const rows[], unsigned num_rows, Pixel dark, Pixel light)
{
	for (unsigned y = 0; y < num_rows; y++)
		for (unsigned x = 0; rows[y][x]; x++) {
			Point const p { at.x + int32_t(x), at.y + int32_t(y) };
			if (!contains(_clip, p)) continue;
			if (rows[y][x] == 'X') _at(p.x, p.y) = dark;
			if (rows[y][x] == '#') _at(p.x, p.y) = light;
		}
}
