/*
 * Play session: one channel of audio that a client schedules for time windows
 *
 * As Genode's Play session (since 24.02): one session per channel, float
 * samples in [-1, 1], and the client schedules its sample data for time
 * windows. One channel of a client (say "left") starts a stream by asking
 * the server where it begins ('schedule' with no previous window) and then
 * continues it window after window; the other channels enqueue their data
 * for the same windows, so that they stay sample-aligned.
 *
 * Unlike Genode, a time window counts sample frames on the server's
 * timeline, not microseconds: every mix runs at one declared rate (sample-
 * rate inference and resampling are a later step, docs/AUDIO.md), which
 * keeps a chain bit-exact. The data moves through a shared ring of slots
 * (below): the client writes a slot, bumps 'submitted' and signals; the
 * server takes the slot, bumps 'taken' and signals back when the client
 * said it waits for room. A server takes a slot only when it can pass the
 * data on, so a full chain throttles its source: nothing is dropped and no
 * side ever blocks on the other.
 */
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>

#include <nestbox/base/rpc.h>

namespace nestbox::Play {

/* Frames [start, end) on the server's timeline; empty: no window yet */
struct Time_window
{
	uint64_t start = 0, end = 0;

	bool valid() const { return end > start; }

	/* Saturates: a window too long for 32 bits is too long for every limit */
	uint32_t frames() const { return valid() ? uint32_t(std::min<uint64_t>(end - start, UINT32_MAX)) : 0; }
	bool operator == (Time_window const &) const = default;
};

struct Shared_buffer
{
	static constexpr uint32_t NUM_SLOTS    = 32;
	static constexpr uint32_t MAX_SAMPLES  = 16384;   /* the sample ring, 341 ms at 48 kHz */
	static constexpr uint32_t MAX_PER_SLOT = 4096;    /* frames of one window at most */

	struct Slot
	{
		Time_window window { };
		uint32_t    sample_start = 0;   /* index into 'samples'; the data wraps around */
		uint32_t    num_samples  = 0;   /* == window.frames() */
	};

	std::atomic<uint32_t> submitted   { 0 };   /* slots the client wrote (wrapping counter) */
	std::atomic<uint32_t> taken       { 0 };   /* slots the server took */
	std::atomic<uint32_t> client_waits { 0 };  /* the client wants a signal when 'taken' moves */

	Slot  slots[NUM_SLOTS];
	float samples[MAX_SAMPLES];
};

struct Session
{
	static constexpr char const *service_name() { return "Play"; }

	/* The dataspace (a page-rounded Shared_buffer) plus what the server keeps per session */
	static constexpr uint64_t DATASPACE_SIZE   = (sizeof(Shared_buffer) + 4095) & ~uint64_t(4095);
	static constexpr uint64_t SESSION_OVERHEAD = 16 * 1024 + Shared_buffer::MAX_SAMPLES * sizeof(float);
	static constexpr uint64_t RAM_QUOTA        = DATASPACE_SIZE + SESSION_OVERHEAD;

	virtual ~Session() = default;

	/* The shared buffer, mapped by the client */
	virtual Result<Dataspace_capability> dataspace() = 0;

	/*
	 * Connect the signals: the client's handler (woken when the server took
	 * slots the client waits for) for the server's (woken when slots arrive)
	 */
	virtual Result<Signal_context_capability> sigh(Signal_context_capability client) = 0;

	/*
	 * The window for 'frames' frames after 'previous', or where a new stream
	 * starts when 'previous' is empty
	 */
	virtual Time_window schedule(Time_window previous, uint32_t frames) = 0;

	/* No more data follows the slots submitted so far (end of stream, not jitter) */
	virtual void stop() = 0;

	using Rpc_functions = Rpc_list<&Session::dataspace, &Session::sigh, &Session::schedule,
	                               &Session::stop>;
};

struct Client : Rpc_client<Session>
{
	using Rpc_client::Rpc_client;

	Result<Dataspace_capability>      dataspace() { return call<&Session::dataspace>(); }
	Result<Signal_context_capability> sigh(Signal_context_capability s) {
		return call<&Session::sigh>(std::move(s)); }
	Result<Time_window> schedule(Time_window previous, uint32_t frames) {
		return call<&Session::schedule>(previous, frames); }
	Result<void> stop() { return call<&Session::stop>(); }
};

} /* namespace nestbox::Play */
