/*
 * A warning that an event can trigger, written at most once a second
 *
 * A server that warns about what a client does (a full queue, a misused
 * session, a refused connection) must not let the client fill the log and
 * stall the server with it: a flood of 300,000 events must not become
 * 300,000 lines. A 'Rate_limited_warning' writes the first occurrence at
 * once; further ones within the interval (INTERVAL_MS, one second) are only
 * counted, without even formatting their text. The next line written says
 * how many were left out ("(12345 more like it in the last 1 s)"); the count
 * still pending when the warning is destroyed (the client left) is written
 * then, so that no occurrence goes unmentioned.
 *
 * Each warning site keeps one, per client where clients are told apart:
 *
 *   Rate_limited_warning _dropped_warning { };
 *   _dropped_warning("\"", label, "\": input queue full, event dropped");
 */
#pragma once

#include <cstdint>
#include <string>

#include <nestbox/log.h>
#include <nestbox/util/monotonic.h>

namespace nestbox {

	class Rate_limited_warning;
}


class nestbox::Rate_limited_warning
{
	public:

		static constexpr uint64_t INTERVAL_MS = 1000;

	private:

		uint64_t const _interval_ms;

		bool        _written    = false;   /* a line was written, at '_written_ms' */
		uint64_t    _written_ms = 0;
		uint64_t    _suppressed = 0;       /* occurrences left out since */
		std::string _last { };             /* the text of the last line, for the final count */

		void _write(std::string &&text)
		{
			std::string line = "Warning: " + text;
			if (_suppressed)
				line += concat(" (", _suppressed, " more like it in the last ",
				               (_interval_ms + 999) / 1000, " s)");
			Log_backend::write(line);
			_last       = std::move(text);
			_suppressed = 0;
		}

	public:

		explicit Rate_limited_warning(uint64_t interval_ms = INTERVAL_MS) : _interval_ms(interval_ms) { }

		~Rate_limited_warning()
		{
			if (_suppressed)
				Log_backend::write(concat("Warning: ", _last, " (", _suppressed, " more like it since)"));
		}

		Rate_limited_warning(Rate_limited_warning const &) = delete;
		Rate_limited_warning &operator = (Rate_limited_warning const &) = delete;

		/* Whether an occurrence at 'now' would be written (not counted) */
		bool due(uint64_t now) const { return !_written || now - _written_ms >= _interval_ms; }

		/* One occurrence at 'now': written if due, else counted; returns whether written */
		template <typename... ARGS>
		bool at(uint64_t now, ARGS const &... args)
		{
			if (!due(now)) { _suppressed++; return false; }
			_written    = true;
			_written_ms = now;
			_write(concat(args...));
			return true;
		}

		/* One occurrence now */
		template <typename... ARGS>
		bool operator () (ARGS const &... args) { return at(monotonic_ms(), args...); }

		/* Occurrences counted and not written yet */
		uint64_t suppressed() const { return _suppressed; }
};
