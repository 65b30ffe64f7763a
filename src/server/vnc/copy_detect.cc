/*
 * Finding content that moved between two frames, for CopyRect
 */

#include <algorithm>
#include <cstring>

#include "copy_detect.h"

using namespace Vnc;

namespace {

	enum : uint32_t {
		SEGMENT     = 32,     /* pixels hashed per sample */
		MARGIN      = 128,    /* how far content may have moved */
		MAX_SAMPLES = 512,
		MAX_HITS    = 1024,     /* a sample found more often is not telling (repeated text) */
		TABLE_BITS  = 13,
	};

	constexpr uint64_t BASE = 0x100000001b3ull;

	constexpr uint64_t base_power(uint32_t n) { uint64_t p = 1; for (uint32_t i = 0; i < n; i++) p *= BASE; return p; }

	constexpr uint64_t OUTGOING = base_power(SEGMENT - 1);

	uint64_t segment_hash(uint32_t const *p)
	{
		uint64_t h = 0;
		for (uint32_t i = 0; i < SEGMENT; i++) h = h * BASE + p[i] + 1;
		return h;
	}

	struct Sample { uint64_t hash; int32_t x, y; int next; unsigned hits; };

	/* the samples by hash: a small open table of chains */
	struct Sample_table
	{
		std::vector<Sample> samples { };
		std::vector<int>    heads = std::vector<int>(1u << TABLE_BITS, -1);

		static size_t slot(uint64_t h) { return size_t((h * 0x9e3779b97f4a7c15ull) >> (64 - TABLE_BITS)); }

		void add(uint64_t h, int32_t x, int32_t y)
		{
			size_t const s = slot(h);
			samples.push_back(Sample { h, x, y, heads[s], 0 });
			heads[s] = int(samples.size() - 1);
		}
	};

	bool uniform(uint32_t const *p)
	{
		for (uint32_t i = 1; i < SEGMENT; i++) if (p[i] != p[0]) return false;
		return true;
	}

	bool tile_is_copy(Frame const &previous, Frame const &next, Rect t, int32_t dx, int32_t dy)
	{
		int32_t const sx = t.at.x - dx, sy = t.at.y - dy;
		if (sx < 0 || sy < 0 || sx + int32_t(t.area.w) > int32_t(next.area.w)
		 || sy + int32_t(t.area.h) > int32_t(next.area.h)) return false;
		for (uint32_t y = 0; y < t.area.h; y++) {
			uint32_t const *n = next.pixels.data() + size_t(t.at.y + int32_t(y)) * next.area.w + uint32_t(t.at.x);
			uint32_t const *p = previous.pixels.data() + size_t(sy + int32_t(y)) * next.area.w + uint32_t(sx);
			if (std::memcmp(n, p, t.area.w * 4)) return false;
		}
		return true;
	}
}


namespace {

	/* The changed tiles that are verbatim copies at offset (dx, dy) */
	Tile_set copied_tiles(Frame const &previous, Frame const &next, Tile_set const &changed, int32_t dx, int32_t dy)
	{
		Tile_set tiles(next.area);
		for (uint32_t row = 0; row < changed.rows(); row++)
			for (uint32_t column = 0; column < changed.columns(); column++)
				if (changed.test(column, row) && tile_is_copy(previous, next, next.tile_rect(column, row), dx, dy))
					tiles.set(column, row);
		return tiles;
	}
}

namespace {

	/* The offset most samples of the changed tiles agree on */
	std::optional<Offset> vote(Frame const &previous, Frame const &next, Tile_set const &changed)
	{
		Area const area = next.area;
		if (area.w < SEGMENT) return std::nullopt;

		/* samples: a few segments of each changed tile that are not flat and did change */
		Sample_table table;
		size_t const per_tile = std::clamp<size_t>(MAX_SAMPLES / changed.count(), 1, 8);
		int32_t x1 = INT32_MAX, y1 = INT32_MAX, x2 = 0, y2 = 0;
		for (uint32_t row = 0; row < changed.rows(); row++)
			for (uint32_t column = 0; column < changed.columns(); column++) {
				if (!changed.test(column, row)) continue;
				Rect const t = next.tile_rect(column, row);
				x1 = std::min(x1, t.at.x); y1 = std::min(y1, t.at.y);
				x2 = std::max(x2, t.x2()); y2 = std::max(y2, t.y2());
				if (t.area.w < SEGMENT) continue;
				size_t taken = 0;
				for (uint32_t sy = 5; sy < t.area.h && taken < per_tile; sy += 13)
					for (uint32_t sx = 3; sx + SEGMENT <= t.area.w && taken < per_tile; sx += 29) {
						size_t const at = size_t(t.at.y + int32_t(sy)) * area.w + uint32_t(t.at.x) + sx;
						uint32_t const *p = next.pixels.data() + at;
						if (uniform(p) || !std::memcmp(p, previous.pixels.data() + at, SEGMENT * 4)) continue;
						table.add(segment_hash(p), t.at.x + int32_t(sx), t.at.y + int32_t(sy));
						taken++;
					}
			}
		if (table.samples.size() < 4) return std::nullopt;

		/* every position of the previous frame near the change votes for the offsets it explains */
		/* offsets beyond the margin cannot be found: one counter for each offset within it */
		constexpr int32_t SIDE = 2 * MARGIN + 1;
		std::vector<uint32_t> votes(size_t(SIDE) * SIDE, 0);
		auto count = [&] (int32_t dx, int32_t dy) {
			if (dx < -int32_t(MARGIN) || dx > int32_t(MARGIN) || dy < -int32_t(MARGIN) || dy > int32_t(MARGIN)) return;
			votes[size_t(dy + int32_t(MARGIN)) * SIDE + size_t(dx + int32_t(MARGIN))]++;
		};
		int32_t const sx1 = std::max<int32_t>(0, x1 - int32_t(MARGIN));
		int32_t const sx2 = std::min<int32_t>(int32_t(area.w) - 1, x2 + int32_t(MARGIN));
		int32_t const sy1 = std::max<int32_t>(0, y1 - int32_t(MARGIN));
		int32_t const sy2 = std::min<int32_t>(int32_t(area.h) - 1, y2 + int32_t(MARGIN));
		if (sx2 - sx1 + 1 < int32_t(SEGMENT)) return std::nullopt;

		for (int32_t y = sy1; y <= sy2; y++) {
			uint32_t const *row = previous.pixels.data() + size_t(y) * area.w;
			uint64_t h = segment_hash(row + sx1);
			for (int32_t x = sx1;; x++) {
				for (int i = table.heads[Sample_table::slot(h)]; i >= 0; i = table.samples[size_t(i)].next) {
					Sample &s = table.samples[size_t(i)];
					if (s.hash != h || s.hits > MAX_HITS || (s.x == x && s.y == y)) continue;
					uint32_t const *n = next.pixels.data() + size_t(s.y) * area.w + uint32_t(s.x);
					if (std::memcmp(n, row + x, SEGMENT * 4)) continue;
					if (++s.hits <= MAX_HITS) count(s.x - x, s.y - y);
				}
				if (x + int32_t(SEGMENT) > sx2) break;
				h = (h - (row[x] + 1) * OUTGOING) * BASE + row[x + int32_t(SEGMENT)] + 1;
			}
		}
		size_t const best = size_t(std::max_element(votes.begin(), votes.end()) - votes.begin());
		if (votes[best] < std::max<size_t>(4, table.samples.size() / 8)) return std::nullopt;
		int32_t const dx = int32_t(best % SIDE) - int32_t(MARGIN);
		int32_t const dy = int32_t(best / SIDE) - int32_t(MARGIN);

		return Offset { dx, dy };
	}


	Copy_plan plan_for(Frame const &previous, Tile_set &&tiles, int32_t dx, int32_t dy)
	{
		Copy_plan plan { previous.serial, dx, dy, std::move(tiles), { } };
		uint32_t const rows = plan.tiles.rows(), columns = plan.tiles.columns();

		/*
		 * Runs along tile rows. Content moving down is copied bottom row first,
		 * moving right rightmost run first (and the other way round), so that
		 * no copy overwrites what a later one reads.
		 */
		for (uint32_t i = 0; i < rows; i++) {
			uint32_t const row = dy > 0 ? rows - 1 - i : i;
			std::vector<Rect> runs;
			for (uint32_t column = 0; column < columns; column++) {
				if (!plan.tiles.test(column, row)) continue;
				Rect const first = previous.tile_rect(column, row);
				uint32_t end = column;
				while (end + 1 < columns && plan.tiles.test(end + 1, row)) end++;
				Rect const last = previous.tile_rect(end, row);
				runs.push_back(Rect { first.at, { uint32_t(last.x2() - first.at.x + 1), first.area.h } });
				column = end;
			}
			if (dx > 0) std::reverse(runs.begin(), runs.end());
			plan.rects.insert(plan.rects.end(), runs.begin(), runs.end());
		}
		return plan;
	}
}


std::optional<Copy_plan> Vnc::detect_copy(Frame const &previous, Frame const &next, Tile_set const &changed,
                                          std::optional<Offset> hint)
{
	if (previous.area.w != next.area.w || previous.area.h != next.area.h || changed.empty()) return std::nullopt;

	if (hint) {
		Tile_set tiles = copied_tiles(previous, next, changed, hint->dx, hint->dy);
		if (!tiles.empty() && tiles.count() * 4 >= changed.count())
			return plan_for(previous, std::move(tiles), hint->dx, hint->dy);
	}

	auto const offset = vote(previous, next, changed);
	if (!offset) return std::nullopt;
	Tile_set tiles = copied_tiles(previous, next, changed, offset->dx, offset->dy);
	if (tiles.empty()) return std::nullopt;
	return plan_for(previous, std::move(tiles), offset->dx, offset->dy);
}
