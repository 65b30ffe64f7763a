/*
 * Snapshots of the screen, tracked by tiles
 */

#include <algorithm>
#include <cstring>

#include "frame.h"

using namespace Vnc;

namespace {

	inline uint64_t mix(uint64_t h, uint64_t v)
	{
		h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
		h *= 0xff51afd7ed558ccdull;
		return h ^ (h >> 32);
	}

	/* Copy tile 't' from 'src' (a whole screen of the frame's size) into 'frame' */
	void copy_tile(Frame &frame, uint32_t const *src, Rect t)
	{
		for (uint32_t y = 0; y < t.area.h; y++) {
			size_t const at = size_t(t.at.y + int32_t(y)) * frame.area.w + uint32_t(t.at.x);
			std::memcpy(frame.pixels.data() + at, src + at, t.area.w * 4);
		}
	}
}


void Tile_set::add(Rect rect)
{
	if (rect.empty() || _columns == 0) return;
	int32_t const rx1 = std::max(rect.at.x, 0), ry1 = std::max(rect.at.y, 0);
	int32_t const rx2 = std::min<int32_t>(rect.x2(), int32_t(_columns * TILE) - 1);
	int32_t const ry2 = std::min<int32_t>(rect.y2(), int32_t(_rows * TILE) - 1);
	if (rx2 < rx1 || ry2 < ry1) return;
	for (uint32_t r = uint32_t(ry1) / TILE; r <= uint32_t(ry2) / TILE; r++)
		for (uint32_t c = uint32_t(rx1) / TILE; c <= uint32_t(rx2) / TILE; c++) {
			int32_t const tx = int32_t(c * TILE), ty = int32_t(r * TILE);
			set(c, r, Box { uint8_t(std::max(rx1 - tx, 0)), uint8_t(std::max(ry1 - ty, 0)),
			                uint8_t(std::min(rx2 - tx, int32_t(TILE) - 1)), uint8_t(std::min(ry2 - ty, int32_t(TILE) - 1)) });
		}
}


Rect Frame::tile_rect(uint32_t column, uint32_t row) const
{
	uint32_t const x = column * TILE, y = row * TILE;
	return Rect { { int32_t(x), int32_t(y) }, { std::min<uint32_t>(TILE, area.w - x), std::min<uint32_t>(TILE, area.h - y) } };
}


uint64_t Vnc::content_key(Frame const &frame, Rect r)
{
	/* a version names a tile's content at its place only: the place is part of the key */
	uint64_t h = mix(mix(r.area.w, r.area.h), uint64_t(uint32_t(r.at.x)) << 32 | uint32_t(r.at.y));
	uint32_t const columns = frame.columns();
	for (uint32_t row = uint32_t(r.at.y) / TILE; row * TILE < uint32_t(r.at.y) + r.area.h; row++)
		for (uint32_t column = uint32_t(r.at.x) / TILE; column * TILE < uint32_t(r.at.x) + r.area.w; column++)
			h = mix(h, frame.tile_version[size_t(row) * columns + column]);
	return h;
}


void Frame_history::reset(Area area)
{
	_area = area;
	_buffers.clear();
	_changes.clear();
	_current = std::make_shared<Frame>(area);
	_current->serial = ++_last_serial;
	std::fill(_current->tile_version.begin(), _current->tile_version.end(), _current->serial);
	_buffers.push_back(_current);
}


std::shared_ptr<Frame> Frame_history::_free_buffer()
{
	/* a buffer nobody but us holds: no encoder reads it any more */
	for (auto &b : _buffers)
		if (b != _current && b.use_count() == 1) return b;

	if (_buffers.size() < MAX_BUFFERS) {
		auto b = std::make_shared<Frame>(_area);
		b->serial = 0;   /* older than any change we remember: copied whole */
		_buffers.push_back(b);
		return b;
	}
	/* all busy (encoders lag behind): a buffer of our own, dropped when they let go */
	auto b = std::make_shared<Frame>(_area);
	return b;
}


Tile_set Frame_history::capture(uint32_t const *screen, Tile_set const &damaged)
{
	Tile_set changed(_area);
	if (!_current || damaged.empty()) return changed;

	Frame const &cur  = *_current;
	std::shared_ptr<Frame> next = _free_buffer();

	/* what the buffer lacks of the current frame: the tiles changed since its serial */
	Tile_set stale(_area);
	bool const known = next->serial != 0 && !_changes.empty() && _changes.front().first <= next->serial + 1;
	if (!known) stale.set_all();
	else
		for (auto const &[serial, tiles] : _changes)
			if (serial > next->serial) stale.add(tiles);

	/*
	 * One pass over the damaged rows: copied into the buffer, then compared
	 * with the current frame while both are in the cache. The screen is
	 * written by another process: reading it twice would cost a second trip
	 * to memory.
	 */
	uint32_t const columns = changed.columns();
	uint64_t const serial  = _last_serial + 1;
	for (uint32_t row = 0; row < changed.rows(); row++)
		for (uint32_t column = 0; column < columns; column++) {
			size_t const i = size_t(row) * columns + column;
			Rect const t = cur.tile_rect(column, row);
			bool const lacking = stale.test(column, row);
			if (!damaged.test(column, row)) {
				if (!lacking) continue;
				copy_tile(*next, cur.pixels.data(), t);
				next->tile_version[i] = cur.tile_version[i];
				continue;
			}
			/*
			 * Each row is copied first and compared afterwards: the client
			 * may draw into the screen while we read it, and only the copy
			 * holds still (a row that differed in a compare of the screen
			 * could be equal by the time its ends are searched).
			 */
			Tile_set::Box box { };
			for (uint32_t y = 0; y < t.area.h; y++) {
				size_t const at = size_t(t.at.y + int32_t(y)) * _area.w + uint32_t(t.at.x);
				uint32_t *a = next->pixels.data() + at;
				uint32_t const *b = cur.pixels.data() + at;
				std::memcpy(a, screen + at, t.area.w * 4);
				if (!std::memcmp(a, b, t.area.w * 4)) continue;
				uint32_t x1 = 0, x2 = t.area.w - 1;
				while (a[x1] == b[x1]) x1++;
				while (a[x2] == b[x2]) x2--;
				box.add(Tile_set::Box { uint8_t(x1), uint8_t(y), uint8_t(x2), uint8_t(y) });
			}
			changed.set(column, row, box);
			next->tile_version[i] = box.empty() ? cur.tile_version[i] : serial;
		}

	/* nothing changed: the buffer now equals the current frame, and says so */
	if (changed.empty()) {
		next->serial = cur.serial;
		return changed;
	}

	next->serial = ++_last_serial;
	_current = next;

	_changes.emplace_back(next->serial, changed);
	while (_changes.size() > MAX_CHANGES) _changes.pop_front();
	return changed;
}
