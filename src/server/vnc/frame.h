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

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include <nestbox/session/framebuffer.h>

#include "encoder.h"

namespace Vnc {

	using nestbox::Rect;
	using nestbox::Point;

	enum : uint32_t { TILE = 64 };

	/* One flag per tile of a screen of 'area' */
	class Tile_set
	{
		private:

			uint32_t             _columns = 0, _rows = 0;
			std::vector<uint8_t> _flags { };
			size_t               _count = 0;

		public:

			Tile_set() = default;
			explicit Tile_set(Area area)
			: _columns((area.w + TILE - 1) / TILE), _rows((area.h + TILE - 1) / TILE),
			  _flags(size_t(_columns) * _rows, 0) { }

			uint32_t columns() const { return _columns; }
			uint32_t rows()    const { return _rows; }
			size_t   count()   const { return _count; }
			bool     empty()   const { return _count == 0; }

			bool test(uint32_t column, uint32_t row) const { return _flags[size_t(row) * _columns + column]; }

			void set(uint32_t column, uint32_t row)
			{
				uint8_t &f = _flags[size_t(row) * _columns + column];
				if (!f) { f = 1; _count++; }
			}

			void clear(uint32_t column, uint32_t row)
			{
				uint8_t &f = _flags[size_t(row) * _columns + column];
				if (f) { f = 0; _count--; }
			}

			void set_all()   { std::fill(_flags.begin(), _flags.end(), 1); _count = _flags.size(); }
			void clear_all() { std::fill(_flags.begin(), _flags.end(), 0); _count = 0; }

			/* Set the tiles 'rect' (on the screen) touches */
			void add(Rect rect);

			void add(Tile_set const &other)
			{
				for (size_t i = 0; i < _flags.size() && i < other._flags.size(); i++)
					if (other._flags[i] && !_flags[i]) { _flags[i] = 1; _count++; }
			}
	};

	struct Frame
	{
		uint64_t              serial = 0;
		Area                  area   { 0, 0 };
		std::vector<uint32_t> pixels { };
		std::vector<uint64_t> tile_hash { };   /* content of each tile, row by row */

		explicit Frame(Area area)
		: area(area), pixels(size_t(area.w) * area.h, 0), tile_hash(Tile_set(area).columns() * size_t(Tile_set(area).rows()), 0) { }

		uint32_t columns() const { return (area.w + TILE - 1) / TILE; }

		/* The screen rect of a tile (smaller at the right and bottom edges) */
		Rect tile_rect(uint32_t column, uint32_t row) const;

		Pixels pixels_of(Rect r) const { return { pixels.data() + size_t(r.at.y) * area.w + uint32_t(r.at.x), area.w, r.area }; }
	};

	class Frame_history
	{
		private:

			enum : size_t { MAX_BUFFERS = 4, MAX_CHANGES = 8 };

			Area _area { 0, 0 };

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
			 * changed, empty if none did (then no frame is made).
			 */
			Tile_set capture(uint32_t const *screen, Tile_set const &damaged);
	};

	/* A hash of the content of a rect made of whole tiles of 'frame' */
	uint64_t content_hash(Frame const &frame, Rect tile_aligned);
}
