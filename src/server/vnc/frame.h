/*
 * Snapshots of the screen, tracked by tiles
 *
 * The Framebuffer client draws into the shared buffer whenever it likes,
 * so nothing is ever encoded from it: each frame is a private copy taken
 * when the client reports damage. Tiles that the damage names are compared
 * with the previous frame; only tiles whose content really changed count
 * (a client that refreshes more than it drew costs a memcmp, not an
 * update). A frame never changes once published: encoders on other threads
 * read it while the next one is taken into another buffer. Buffers are
 * recycled: a free one is brought up to date by copying the tiles changed
 * since it was last used, so an idle caret costs two tiles, not a screen.
 */
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include <nestbox/session/framebuffer.h>

#include "encoding/encoder.h"

namespace Vnc {

	using nestbox::Rect;
	using nestbox::Point;

	enum : uint32_t { TILE = 64 };

	/*
	 * The tiles of a screen of 'area' that are marked, each with the box
	 * (in tile coordinates) that holds what changed in it: a caret that
	 * blinks is sent as its own few pixels, not as a tile
	 */
	class Tile_set
	{
		public:

			struct Box
			{
				uint8_t x1 = TILE, y1 = TILE, x2 = 0, y2 = 0;   /* inclusive; empty as constructed */

				bool empty() const { return x1 > x2; }

				void add(Box const &o)
				{
					x1 = std::min(x1, o.x1); y1 = std::min(y1, o.y1);
					x2 = std::max(x2, o.x2); y2 = std::max(y2, o.y2);
				}
			};

			static constexpr Box WHOLE { 0, 0, TILE - 1, TILE - 1 };

		private:

			uint32_t         _columns = 0, _rows = 0;
			std::vector<Box> _boxes { };
			size_t           _count = 0;

		public:

			Tile_set() = default;
			explicit Tile_set(Area area)
			: _columns((area.w + TILE - 1) / TILE), _rows((area.h + TILE - 1) / TILE),
			  _boxes(size_t(_columns) * _rows) { }

			uint32_t columns() const { return _columns; }
			uint32_t rows()    const { return _rows; }
			size_t   count()   const { return _count; }
			bool     empty()   const { return _count == 0; }

			bool test(uint32_t column, uint32_t row) const { return !box(column, row).empty(); }

			Box const &box(uint32_t column, uint32_t row) const { return _boxes[size_t(row) * _columns + column]; }

			/* Mark a tile, or the part 'b' of it */
			void set(uint32_t column, uint32_t row, Box const &b = WHOLE)
			{
				if (b.empty()) return;
				Box &mine = _boxes[size_t(row) * _columns + column];
				if (mine.empty()) _count++;
				mine.add(b);
			}

			void clear(uint32_t column, uint32_t row)
			{
				Box &mine = _boxes[size_t(row) * _columns + column];
				if (!mine.empty()) { mine = Box { }; _count--; }
			}

			void set_all()   { std::fill(_boxes.begin(), _boxes.end(), WHOLE); _count = _boxes.size(); }
			void clear_all() { std::fill(_boxes.begin(), _boxes.end(), Box { }); _count = 0; }

			/* Mark the tiles 'rect' (on the screen) touches */
			void add(Rect rect);

			void add(Tile_set const &other)
			{
				for (size_t i = 0; i < _boxes.size() && i < other._boxes.size(); i++) {
					if (other._boxes[i].empty()) continue;
					if (_boxes[i].empty()) _count++;
					_boxes[i].add(other._boxes[i]);
				}
			}
	};

	struct Frame
	{
		uint64_t              serial = 0;
		Area                  area   { 0, 0 };
		std::vector<uint32_t> pixels { };
		std::vector<uint64_t> tile_version { };   /* the serial of the frame each tile last changed in */

		explicit Frame(Area area)
		: area(area), pixels(size_t(area.w) * area.h, 0),
		  tile_version(size_t((area.w + TILE - 1) / TILE) * ((area.h + TILE - 1) / TILE), 0) { }

		uint32_t columns() const { return (area.w + TILE - 1) / TILE; }

		/* The screen rect of a tile (smaller at the right and bottom edges) */
		Rect tile_rect(uint32_t column, uint32_t row) const;

		Pixels pixels_of(Rect r) const { return { pixels.data() + size_t(r.at.y) * area.w + uint32_t(r.at.x), area.w, r.area }; }
	};

	class Frame_history
	{
		private:

			enum : size_t { MAX_BUFFERS = 4, MAX_CHANGES = 8 };

			Area     _area { 0, 0 };
			uint64_t _last_serial = 0;   /* of the newest frame ever made */

			std::vector<std::shared_ptr<Frame>> _buffers { };
			std::shared_ptr<Frame>              _current { };

			/* the tiles each recent frame changed, by serial, to bring old buffers up to date */
			std::deque<std::pair<uint64_t, Tile_set>> _changes { };

			std::shared_ptr<Frame> _free_buffer();

		public:

			/* Start over with a black screen of 'area' */
			void reset(Area area);

			std::shared_ptr<Frame const> current() const { return _current; }

			/*
			 * Take the 'damaged' tiles of 'screen' (the live buffer, 'area'
			 * pixels) into a new frame. Returns the tiles whose content
			 * changed, each with the box of the pixels that did, empty if
			 * none did (then no frame is made).
			 */
			Tile_set capture(uint32_t const *screen, Tile_set const &damaged);
	};

	/*
	 * A key for the pixels of 'rect' of 'frame': its place and size and the
	 * versions of the tiles it touches. Equal keys mean equal pixels,
	 * without looking at a pixel: serials never repeat, not even across
	 * mode changes. (Content that returns to an earlier state, a caret
	 * blinking back, gets a new key and is encoded again: a few pixels.)
	 */
	uint64_t content_key(Frame const &frame, Rect rect);
}
