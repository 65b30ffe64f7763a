/*
 * Scene: moving shapes, a pure function of seed and frame number
 *
 * Every shape's position is computed from its start and velocity for the
 * frame asked for, without state carried from frame to frame. So frame N
 * looks the same however it was reached (frames dropped or not), and a
 * screenshot of a stopped animation can be compared pixel for pixel.
 */
#pragma once

#include <vector>

#include <app/canvas.h>

namespace Animation {

	using namespace App;

	class Random;
	class Scene;
}


/*
 * SplitMix64: the same sequence from a seed everywhere (the std::
 * distributions are not, they differ between standard libraries)
 */
class Animation::Random
{
	private:

		uint64_t _state;

	public:

		explicit Random(uint64_t seed) : _state(seed) { }

		uint64_t next()
		{
			uint64_t z = (_state += 0x9e3779b97f4a7c15ull);
			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
			return z ^ (z >> 31);
		}

		/* A number in [lo, hi] */
		int range(int lo, int hi) { return lo + int(next() % uint64_t(hi - lo + 1)); }
};


class Animation::Scene
{
	private:

		struct Shape
		{
			bool  disc;
			int   size;             /* diameter or edge */
			Color color;
			int   x0, y0, vx, vy;   /* position at frame 0 (1/16 pixel), pixels per frame * 16 */
		};

		Area               _area;
		Color              _background;
		std::vector<Shape> _shapes { };

		/*
		 * The position at time 't' of a point bouncing between 0 and 'span':
		 * a triangle wave, closed-form so that any frame can be computed
		 */
		static int _bounce(int64_t t, int span)
		{
			if (span <= 0) return 0;
			int64_t const period = 2 * int64_t(span);
			int64_t const phase  = ((t % period) + period) % period;
			return int(phase <= span ? phase : period - phase);
		}

	public:

		Scene(uint64_t seed, unsigned count, Area area) : _area(area)
		{
			Random random { seed };

			_background = { uint8_t(random.range(0, 48)), uint8_t(random.range(0, 48)),
			                uint8_t(random.range(32, 80)) };

			int const max_size = std::max(8, int(std::min(area.w, area.h) / 6));
			for (unsigned i = 0; i < count; i++) {
				Shape s { };
				s.disc  = random.range(0, 1);
				s.size  = random.range(std::min(8, max_size), max_size);
				s.color = { uint8_t(random.range(64, 255)), uint8_t(random.range(64, 255)),
				            uint8_t(random.range(64, 255)) };
				s.x0 = random.range(0, std::max(int(area.w) - s.size, 0) * 16);
				s.y0 = random.range(0, std::max(int(area.h) - s.size, 0) * 16);
				s.vx = random.range(-64, 64);
				s.vy = random.range(-64, 64);
				_shapes.push_back(s);
			}
		}

		Area area() const { return _area; }

		void draw(Canvas &canvas, uint64_t frame) const
		{
			canvas.clear(_background);

			for (Shape const &s : _shapes) {
				int const x = _bounce(s.x0 + int64_t(s.vx) * int64_t(frame), (int(_area.w) - s.size) * 16) / 16;
				int const y = _bounce(s.y0 + int64_t(s.vy) * int64_t(frame), (int(_area.h) - s.size) * 16) / 16;

				if (s.disc)
					canvas.fill_circle({ x + s.size / 2, y + s.size / 2 }, unsigned(s.size / 2), s.color);
				else
					canvas.fill({ { x, y }, { unsigned(s.size), unsigned(s.size) } }, s.color);
			}
		}
};
