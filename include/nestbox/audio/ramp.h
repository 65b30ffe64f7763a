/*
 * Ramp: a parameter that moves to a new value linearly over a number of frames
 *
 * Filters change their parameters live through a ramp so that a change is
 * never a click: with a ramp of N frames from a to b no step between two
 * frames is larger than |b - a| / N. The last frame lands exactly on the
 * target, so a unity gain reached through a ramp is exactly 1.0 again.
 */
#pragma once

#include <algorithm>
#include <cstdint>

namespace nestbox::Audio {

/* The longest ramp a parameter change takes (docs/AUDIO.md) */
static constexpr unsigned MAX_RAMP_MS = 5;

inline uint32_t ramp_frames(unsigned rate, unsigned ms)
{
	return uint32_t(uint64_t(rate) * std::min(ms, MAX_RAMP_MS) / 1000);
}

class Ramp
{
	private:

		float    _current, _target;
		double   _step  = 0;
		double   _value = 0;
		uint32_t _left  = 0;

	public:

		explicit Ramp(float value) : _current(value), _target(value) { }

		float value()   const { return _current; }
		float target()  const { return _target; }
		bool  ramping() const { return _left != 0; }

		/* Head for 'target' over 'frames' frames (0: at once) */
		void set(float target, uint32_t frames)
		{
			_target = target;
			if (frames == 0 || target == _current) { _current = target; _left = 0; return; }
			_value = _current;
			_step  = (double(target) - double(_current)) / frames;
			_left  = frames;
		}

		/* The value for the next frame */
		float next()
		{
			if (!_left) return _current;
			_left--;
			_value  += _step;
			_current = _left ? float(_value) : _target;
			return _current;
		}
};

} /* namespace nestbox::Audio */
