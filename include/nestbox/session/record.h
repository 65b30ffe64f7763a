/*
 * Record session: one channel of audio that a client takes window by window
 *
 * As Genode's Record session (since 24.02): one session per channel, float
 * samples. 'record' asks for the next 'frames' frames after the ones this
 * session took last; 'record_at' asks for a window the client names, the
 * window another channel's 'record' returned (so that the channels of a
 * multi-channel recorder stay aligned) or the one a clocked driver wants
 * now. The samples land at the start of the session's dataspace.
 *
 * Time windows count frames on the server's timeline (include/nestbox/
 * session/play.h says why). A window the server cannot fill yet comes back
 * 'depleted': nothing plays into it or a playing client has not delivered
 * it. The server then signals the wakeup handler once when data arrives.
 */
#pragma once

#include <nestbox/base/rpc.h>
#include <nestbox/session/play.h>

namespace nestbox::Record {

using Time_window = Play::Time_window;

struct Record_result
{
	Time_window window   { };
	bool        depleted = false;   /* no data in 'window' yet: wait for the wakeup signal */
};

struct Session
{
	static constexpr char const *service_name() { return "Record"; }

	static constexpr uint32_t MAX_FRAMES       = 8192;   /* per call, 170 ms at 48 kHz */
	static constexpr uint64_t DATASPACE_SIZE   = MAX_FRAMES * sizeof(float);
	static constexpr uint64_t SESSION_OVERHEAD = 16 * 1024;
	static constexpr uint64_t RAM_QUOTA        = DATASPACE_SIZE + SESSION_OVERHEAD;

	virtual ~Session() = default;

	/* Where the samples of each 'record' land, mapped by the client */
	virtual Result<Dataspace_capability> dataspace() = 0;

	/* The handler signalled (once) when data arrives after a depleted record */
	virtual void wakeup_sigh(Signal_context_capability) = 0;

	/* The next 'frames' frames (at most MAX_FRAMES) after the last recorded */
	virtual Record_result record(uint32_t frames) = 0;

	/* The given window (at most MAX_FRAMES frames) */
	virtual Record_result record_at(Time_window window) = 0;

	using Rpc_functions = Rpc_list<&Session::dataspace, &Session::wakeup_sigh, &Session::record,
	                               &Session::record_at>;
};

struct Client : Rpc_client<Session>
{
	using Rpc_client::Rpc_client;

	Result<Dataspace_capability> dataspace() { return call<&Session::dataspace>(); }
	Result<void> wakeup_sigh(Signal_context_capability s) { return call<&Session::wakeup_sigh>(std::move(s)); }
	Result<Record_result> record(uint32_t frames) { return call<&Session::record>(frames); }
	Result<Record_result> record_at(Time_window w) { return call<&Session::record_at>(w); }
};

} /* namespace nestbox::Record */
