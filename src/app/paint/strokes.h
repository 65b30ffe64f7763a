/*
 * Strokes: what has been painted, kept so that it can be drawn again
 *
 * A mode change or a move of the window leaves a new, undefined buffer
 * behind. The painting is replayed from its segments rather than copied
 * from the old buffer, so it comes out the same at every size.
 */
#pragma once

#include <algorithm>
#include <cstdlib>
#include <vector>

#include <app/canvas.h>

namespace Paint {

	using namespace App;

	class Strokes;
}


class Paint::Strokes
{
	private:

		struct Segment { Point from, to; Color color; unsigned width; };

		std::vector<Segment> _segments { };

	public:

		/* Add a segment and draw it; returns the rectangle it changed */
		Rect add(Canvas &canvas, Point from, Point to, Color color, unsigned width)
		{
			_segments.push_back({ from, to, color, width });
			canvas.line(from, to, color, width);

			int const half = int(width - 1) / 2;
			Point const at { std::min(from.x, to.x) - half, std::min(from.y, to.y) - half };
			return canvas.clipped({ at, { unsigned(std::abs(to.x - from.x)) + width,
			                              unsigned(std::abs(to.y - from.y)) + width } });
		}

		void draw(Canvas &canvas) const
		{
			for (Segment const &s : _segments)
				canvas.line(s.from, s.to, s.color, s.width);
		}

		void clear() { _segments.clear(); }
};
