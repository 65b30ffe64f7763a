/*
 * The monotonic clock: time that never jumps, from an arbitrary start
 *
 * For deadlines and intervals inside one process (throttled channels, busy
 * polling, rate-limited warnings, handshake deadlines). Components that need
 * time across processes use their Timer session.
 */
#pragma once

#include <cstdint>
#include <ctime>

namespace nestbox {

	inline uint64_t monotonic_ns()
	{
		timespec ts { };
		::clock_gettime(CLOCK_MONOTONIC, &ts);
		return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
	}

	inline uint64_t monotonic_us() { return monotonic_ns() / 1000; }
	inline uint64_t monotonic_ms() { return monotonic_ns() / 1'000'000; }
}
