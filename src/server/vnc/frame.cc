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

	uint64_t hash_tile(Frame const &frame, Rect r)
	{
		uint64_t h = mix(r.area.w, r.area.h);
		for (uint32_t y = 0; y < r.area.h; y++) {
			uint32_t const *row = frame.pixels.data() + size_t(r.at.y + int32_t(y)) * frame.area.w + uint32_t(r.at.x);
			uint64_t a = 0, b = 0;
			uint32_t x = 0;
			for (; x + 2 <= r.area.w; x += 2) {
				uint64_t v;
				std::memcpy(&v, row + x, 8);
				a = (a ^ v) * 0x100000001b3ull;
				b = (b + v) * 0xc2b2ae3d27d4eb4full;
			}
			if (x < r.area.w) a = (a ^ row[x]) * 0x100000001b3ull;
			h = mix(h, a ^ (b >> 7));
		}
		return h;
	}
}


void Tile_set::add(Rect rect)
{
	if (rect.empty() || _columns == 0) return;
	uint32_t const c1 = uint32_t(std::max(rect.at.x, 0)) / TILE;
	uint32_t const r1 = uint32_t(std::max(rect.at.y, 0)) / TILE;
	uint32_t const c2 = std::min<uint32_t>(uint32_t(std::max(rect.x2(), 0)) / TILE, _columns - 1);
	uint32_t const r2 = std::min<uint32_t>(uint32_t(std::max(rect.y2(), 0)) / TILE, _rows - 1);
	for (uint32_t r = r1; r <= r2; r++)
		for (uint32_t c = c1; c <= c2; c++) set(c, r);
}


Rect Frame::tile_rect(uint32_t column, uint32_t row) const
{
	uint32_t const x = column * TILE, y = row * TILE;
	return Rect { { int32_t(x), int32_t(y) }, { std::min<uint32_t>(TILE, area.w - x), std::min<uint32_t>(TILE, area.h - y) } };
}


uint64_t Vnc::content_hash(Frame const &frame, Rect r)
{
	uint64_t h = mix(r.area.w, r.area.h);
	uint32_t const columns = frame.columns();
	for (uint32_t row = uint32_t(r.at.y) / TILE; row * TILE < uint32_t(r.at.y) + r.area.h; row++)
		for (uint32_t column = uint32_t(r.at.x) / TILE; column * TILE < uint32_t(r.at.x) + r.area.w; column++)
			h = mix(h, frame.tile_hash[size_t(row) * columns + column]);
	return h;
}


void Frame_history::reset(Area area)
{
	_area = area;
	_buffers.clear();
	_changes.clear();
	_current = std::make_shared<Frame>(area);
	Tile_set all(area);
	for (uint32_t row = 0; row < all.rows(); row++)
		for (uint32_t column = 0; column < all.columns(); column++)
			_current->tile_hash[size_t(row) * all.columns() + column] = hash_tile(*_current, _current->tile_rect(column, row));
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

	Frame const &cur = *_current;
	uint32_t const columns = changed.columns();

	/* which damaged tiles differ from the current frame */
	for (uint32_t row = 0; row < changed.rows(); row++)
		for (uint32_t column = 0; column < columns; column++) {
			if (!damaged.test(column, row)) continue;
			Rect const t = cur.tile_rect(column, row);
			for (uint32_t y = 0; y < t.area.h; y++) {
				size_t const at = size_t(t.at.y + int32_t(y)) * _area.w + uint32_t(t.at.x);
				if (std::memcmp(screen + at, cur.pixels.data() + at, t.area.w * 4)) {
					changed.set(column, row);
					break;
				}
			}
		}
	if (changed.empty()) return changed;

	std::shared_ptr<Frame> next = _free_buffer();

	/* bring the buffer up to the current frame: the tiles changed since its serial */
	Tile_set stale(_area);
	bool const known = next->serial != 0 && !_changes.empty() && _changes.front().first <= next->serial + 1;
	if (!known || next->serial == 0) stale.set_all();
	else
		for (auto const &[serial, tiles] : _changes)
			if (serial > next->serial) stale.add(tiles);

	for (uint32_t row = 0; row < changed.rows(); row++)
		for (uint32_t column = 0; column < columns; column++) {
			size_t const i = size_t(row) * columns + column;
			Rect const t = cur.tile_rect(column, row);
			bool const from_screen = changed.test(column, row);
			if (!from_screen && !stale.test(column, row)) continue;
			uint32_t const *src = from_screen ? screen : cur.pixels.data();
			for (uint32_t y = 0; y < t.area.h; y++) {
				size_t const at = size_t(t.at.y + int32_t(y)) * _area.w + uint32_t(t.at.x);
				std::memcpy(next->pixels.data() + at, src + at, t.area.w * 4);
			}
			next->tile_hash[i] = from_screen ? hash_tile(*next, t) : cur.tile_hash[i];
		}

	next->serial = cur.serial + 1;
	_current = next;

	_changes.emplace_back(next->serial, changed);
	while (_changes.size() > MAX_CHANGES) _changes.pop_front();
	return changed;
}
