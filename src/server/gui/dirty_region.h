/*
 * Dirty_region: the screen areas that must be drawn again
 *
 * Overlapping rectangles are merged, and too many are merged into their
 * bounding box: redrawing a bit more is cheaper than bookkeeping, and the
 * number of refresh calls to the driver stays bounded however many small
 * changes a client makes.
 */
#pragma once

#include <utility>
#include <vector>

#include "types.h"

namespace Gui_server { class Dirty_region; }


class Gui_server::Dirty_region
{
	private:

		enum : size_t { MAX_RECTS = 16 };

		std::vector<Rect> _rects { };

	public:

		void add(Rect r)
		{
			if (r.empty()) return;

			/* merge with everything it overlaps until nothing overlaps */
			for (bool merged = true; merged; ) {
				merged = false;
				for (auto it = _rects.begin(); it != _rects.end(); ++it) {
					if (!overlap(*it, r)) continue;
					r = bounding(*it, r);
					_rects.erase(it);
					merged = true;
					break;
				}
			}
			_rects.push_back(r);

			if (_rects.size() > MAX_RECTS) {
				Rect all = _rects.front();
				for (Rect const &each : _rects) all = bounding(all, each);
				_rects.assign(1, all);
			}
		}

		bool empty() const { return _rects.empty(); }

		/* Hand out the rectangles and forget them */
		std::vector<Rect> take() { return std::exchange(_rects, { }); }
};
