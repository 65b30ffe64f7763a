/*
 * Canvas: drawing primitives over a pixel array
 *
 * The canvas knows nothing of where its pixels live (a Gui buffer, a
 * driver's framebuffer, a vector in a unit test), so the apps' drawing can
 * be tested without any session. Every primitive clips to the canvas and
 * uses integer arithmetic only: the same calls give the same pixels on
 * every machine, which screenshot comparisons rely on.
 */
#pragma once

#include <nestbox/session/framebuffer.h>

#include <app/color.h>

namespace App {

	using nestbox::Point;
	using nestbox::Area;
	using nestbox::Rect;
	using Pixel = nestbox::Framebuffer::Pixel;

	class Canvas;
}


class App::Canvas
{
	private:

		Pixel *_pixels;
		Area   _size;

		bool _inside(int x, int y) const
		{
			return x >= 0 && y >= 0 && x < int(_size.w) && y < int(_size.h);
		}

		Pixel &_at(int x, int y) const { return _pixels[size_t(y) * _size.w + size_t(x)]; }

	public:

		/* 'pixels' holds size.w * size.h pixels, line by line without padding */
		Canvas(Pixel *pixels, Area size) : _pixels(pixels), _size(size) { }

		Area size()   const { return _size; }
		Rect bounds() const { return { { 0, 0 }, _size }; }

		/* The pixel at 'p', or 0 outside */
		Pixel pixel(Point p) const { return _inside(p.x, p.y) ? _at(p.x, p.y) : 0; }

		/* The part of 'r' on the canvas (empty if none) */
		Rect clipped(Rect r) const;

		void clear(Color c) { fill(bounds(), c); }
		void fill(Rect, Color);
		void plot(Point p, Color c) { if (_inside(p.x, p.y)) _at(p.x, p.y) = c.pixel(); }

		/* Compose 'c' with coverage 'alpha' (0: nothing, 255: opaque) over the pixel at 'p' */
		void blend(Point p, Color c, uint8_t alpha);

		/* A line from 'a' to 'b' (both included) drawn with a square brush 'width' pixels wide */
		void line(Point a, Point b, Color, unsigned width = 1);

		/* A filled disc: every pixel whose center lies within 'radius' of 'center' */
		void fill_circle(Point center, unsigned radius, Color);
};
