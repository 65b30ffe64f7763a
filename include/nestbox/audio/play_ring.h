/*
 * The two ends of a Play session's shared ring (include/nestbox/session/play.h)
 *
 * 'Ring_writer' is the client's end, 'Ring_reader' the server's. Neither
 * trusts the other: the writer never writes over a slot the reader has not
 * taken, whatever 'taken' says, and the reader checks every slot it takes
 * (its window, its place in the sample ring) and stops reading a ring whose
 * counters make no sense ('broken'). Both are plain memory: the unit tests
 * drive them without processes.
 */
#pragma once

#include <algorithm>
#include <cstring>
#include <optional>
#include <span>

#include <nestbox/session/play.h>

namespace nestbox::Play {

	class Ring_writer;
	class Ring_reader;
}


class nestbox::Play::Ring_writer
{
	private:

		Shared_buffer &_buf;

		uint32_t _submitted  = 0;
		uint32_t _sample_pos = 0;                       /* where the next slot's samples go */
		uint32_t _slot_samples[Shared_buffer::NUM_SLOTS] { };

		/* Slots not yet taken; more than NUM_SLOTS means the server lies: no room */
		uint32_t _in_flight() const { return _submitted - _buf.taken.load(std::memory_order_acquire); }

	public:

		explicit Ring_writer(Shared_buffer &buf) : _buf(buf)
		{
			_submitted = _buf.submitted.load(std::memory_order_relaxed);
		}

		/* Whether a window of 'frames' frames fits now */
		bool room(uint32_t frames) const
		{
			uint32_t const in_flight = _in_flight();
			if (frames == 0 || frames > Shared_buffer::MAX_PER_SLOT || in_flight >= Shared_buffer::NUM_SLOTS)
				return false;
			uint32_t samples = 0;
			for (uint32_t i = 0; i < in_flight; i++)
				samples += _slot_samples[(_submitted - 1 - i) % Shared_buffer::NUM_SLOTS];
			return samples + frames <= Shared_buffer::MAX_SAMPLES;
		}

		/*
		 * Ask for a signal when the server takes slots; true if there is
		 * room already (the server may have taken slots before it saw the
		 * request, so the caller must not wait then)
		 */
		bool wait_for_room(uint32_t frames)
		{
			_buf.client_waits.store(1, std::memory_order_seq_cst);
			return room(frames);
		}

		/* Write one window; the caller checked 'room' */
		void write(Time_window window, std::span<float const> samples)
		{
			uint32_t const n   = uint32_t(samples.size());
			uint32_t const idx = _submitted % Shared_buffer::NUM_SLOTS;

			uint32_t const first = std::min(n, Shared_buffer::MAX_SAMPLES - _sample_pos);
			std::memcpy(_buf.samples + _sample_pos, samples.data(), first * sizeof(float));
			std::memcpy(_buf.samples, samples.data() + first, (n - first) * sizeof(float));

			_buf.slots[idx] = Shared_buffer::Slot { window, _sample_pos, n };
			_slot_samples[idx] = n;
			_sample_pos = (_sample_pos + n) % Shared_buffer::MAX_SAMPLES;
			_buf.submitted.store(++_submitted, std::memory_order_release);
		}
};


class nestbox::Play::Ring_reader
{
	public:

		struct Slot_data
		{
			Time_window            window;
			std::span<float const> samples;
		};

	private:

		Shared_buffer &_buf;

		uint32_t _taken  = 0;
		bool     _broken = false;

	public:

		explicit Ring_reader(Shared_buffer &buf) : _buf(buf) { }

		bool broken() const { return _broken; }

		/* No slot waits (a broken ring never has one) */
		bool empty() const { return _broken || _buf.submitted.load(std::memory_order_acquire) == _taken; }

		/*
		 * The next slot, its samples copied to 'scratch' (MAX_PER_SLOT
		 * floats) so that the client cannot change them under the reader
		 */
		std::optional<Slot_data> peek(std::span<float> scratch)
		{
			if (_broken) return std::nullopt;
			uint32_t const avail = _buf.submitted.load(std::memory_order_acquire) - _taken;
			if (avail == 0) return std::nullopt;
			if (avail > Shared_buffer::NUM_SLOTS) { _broken = true; return std::nullopt; }

			Shared_buffer::Slot const slot = _buf.slots[_taken % Shared_buffer::NUM_SLOTS];
			uint32_t const n = slot.num_samples;
			if (n == 0 || n > Shared_buffer::MAX_PER_SLOT || n > scratch.size() || slot.window.end < slot.window.start
			 || slot.window.end - slot.window.start != n || slot.sample_start >= Shared_buffer::MAX_SAMPLES) {
				_broken = true;
				return std::nullopt;
			}
			uint32_t const first = std::min(n, Shared_buffer::MAX_SAMPLES - slot.sample_start);
			std::memcpy(scratch.data(), _buf.samples + slot.sample_start, first * sizeof(float));
			std::memcpy(scratch.data() + first, _buf.samples, (n - first) * sizeof(float));
			return Slot_data { slot.window, scratch.first(n) };
		}

		/* Done with the peeked slot; true if the client asked to be signalled */
		bool release()
		{
			_buf.taken.store(++_taken, std::memory_order_release);
			return _buf.client_waits.exchange(0, std::memory_order_seq_cst) != 0;
		}
};
