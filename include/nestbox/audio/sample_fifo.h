/*
 * Sample_fifo: the samples of one stream a server holds, by timeline position
 *
 * The mixer keeps one per Play session: windows arrive in order, with gaps
 * where a client skipped ahead (filled with silence) or overlaps where it
 * was late (the part already past is dropped), and recorders take windows
 * by position. The capacity is fixed at construction, so what a client can
 * make the server hold is bounded and paid for by its session quota.
 */
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <nestbox/audio/ramp.h>
#include <nestbox/session/play.h>

namespace nestbox::Audio { class Sample_fifo; }


class nestbox::Audio::Sample_fifo
{
	private:

		std::vector<float> _ring;
		uint64_t _first = 0, _end = 0;   /* positions held: [first, end) */
		bool     _started = false;

		float &_at(uint64_t pos) { return _ring[pos % _ring.size()]; }

	public:

		struct Stats { uint64_t late = 0, gap = 0; };   /* frames dropped, frames of silence added */

		explicit Sample_fifo(uint32_t capacity) : _ring(capacity, 0.0f) { }

		bool     started()  const { return _started; }
		uint64_t first()    const { return _first; }
		uint64_t end()      const { return _end; }
		uint32_t capacity() const { return uint32_t(_ring.size()); }
		uint64_t room()     const { return _ring.size() - (_end - _first); }

		/* Forget everything: the next window starts a new stream */
		void reset() { _first = _end = 0; _started = false; }

		/*
		 * Append a window. False (nothing taken): no room now. A window far
		 * ahead of the held data (a gap beyond the capacity) restarts the
		 * stream there.
		 */
		bool put(Play::Time_window w, std::span<float const> s, Stats &stats)
		{
			if (!_started || (w.start > _end && w.start - _end >= _ring.size() && _first == _end)) {
				_first = _end = w.start;
				_started = true;
			}
			uint64_t skip = 0;
			if (w.start < _end) {
				skip = std::min<uint64_t>(_end - w.start, s.size());
				stats.late += skip;
			}
			uint64_t const gap = w.start > _end ? w.start - _end : 0;
			if (gap + (s.size() - skip) > room()) return false;

			for (uint64_t i = 0; i < gap; i++) _at(_end++) = 0.0f;
			stats.gap += gap;
			for (uint64_t i = skip; i < s.size(); i++) _at(_end++) = s[i];
			return true;
		}

		/* Add 'volume' times the held samples of 'w' to 'out' (w.frames() floats) */
		void mix_into(Play::Time_window w, std::span<float> out, float volume)
		{
			uint64_t const from = std::max(w.start, _first), to = std::min(w.end, _end);
			for (uint64_t pos = from; pos < to; pos++)
				out[pos - w.start] += volume * _at(pos);
		}

		/* The same with a volume that moves frame by frame (it advances over all of 'w') */
		void mix_into(Play::Time_window w, std::span<float> out, Ramp &volume)
		{
			for (uint64_t pos = w.start; pos < w.end; pos++) {
				float const v = volume.next();
				if (pos >= _first && pos < _end) out[pos - w.start] += v * _at(pos);
			}
		}

		/* Whether any held sample lies in 'w' */
		bool covers_part(Play::Time_window w) const { return _started && _first < w.end && _end > w.start; }

		/* Drop what lies before 'pos' (recorded or too late to be) */
		void discard_before(uint64_t pos)
		{
			if (!_started) return;
			if (pos >= _end) { _first = _end = std::max(_end, pos); return; }
			if (pos > _first) _first = pos;
		}
};
