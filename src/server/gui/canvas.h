/*
 * Canvas: the drawing operations of the compositor over a pixel array
 *
 * Every operation is clipped to the canvas's clip rectangle, which the view
 * stack narrows to the area being redrawn and to the view being drawn: a
 * view can never paint outside the place it was given. All arithmetic is
 * integer, so the same scene gives the same pixels everywhere.
 */
#pragma once

#include <string_view>

#include "view_owner.h"

namespace Gui_server { class Canvas; }


class Gui_server::Canvas
{
	private:

		Pixel *_base;
		Area   _size;
		Rect   _clip;

		Pixel &_at(int32_t x, int32_t y) { return _base[size_t(y) * _size.w + size_t(x)]; }

	public:

		enum class Mode { SOLID, TINTED, ALPHA };

		Canvas(Pixel *base, Area size) : _base(base), _size(size), _clip(bounds()) { }

		Area size()   const { return _size; }
		Rect bounds() const { return { { 0, 0 }, _size }; }

		Rect clip() const { return _clip; }
		void clip(Rect r) { _clip = intersect(r, bounds()); }

		Pixel pixel(Point p) const
		{
			return contains(bounds(), p) ? _base[size_t(p.y) * _size.w + size_t(p.x)] : 0;
		}

		void fill(Rect, Pixel);

		/*
		 * Draw 'texture' with its pixel (0,0) at 'origin', within 'area'.
		 * Parts of 'area' the texture does not cover are black. TINTED
		 * averages each pixel with 'mix'; ALPHA blends by the texture's
		 * alpha plane.
		 */
		void draw_texture(Texture const &, Point origin, Rect area, Mode, Pixel mix);

		/* Text in the label font with its top left at 'at'; returns the x after it */
		int32_t draw_text(Point at, std::string_view, Pixel);

		/* A one pixel wide rectangle outline */
		void draw_outline(Rect, Pixel);

		/*
		 * A small picture given as text rows: 'X' paints 'dark', '#'
		 * paints 'light', anything else leaves the pixel
		 */
		void draw_shape(Point at, char const *const rows[], unsigned num_rows, Pixel dark, Pixel light);
};
