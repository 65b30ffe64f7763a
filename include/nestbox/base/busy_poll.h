/*
 * Busy polling: a bounded, adaptive spin before an entrypoint sleeps
 *
 * Waking a sleeping process costs a system call on the waker's side and
 * two context switches (about 8 µs on the development VM, as much as a 4 KiB
 * read from a cached virtual disk takes). Where a component expects work
 * within microseconds (a Block client with requests in flight, a driver with
 * I/O in flight or a client that has just submitted), its entrypoint may
 * instead watch shared memory for a bounded time before it sleeps. While it
 * does, it tells its peers not to signal it (a packet stream's event index
 * set to "no event"), so neither side makes a system call for a request.
 *
 * What keeps it from burning CPU time that others need:
 *
 * - it is off unless a component sets a bound ('bound_us'), and never spins
 *   longer than that bound (at most MAX_BOUND_US) per sleep it replaces;
 * - it spins only while a source expects work soon ('Poll_source::expecting');
 * - it never spins where the process may use only one CPU: the peer it waits
 *   for would have to run on the CPU it occupies;
 * - a spin that was preempted (a gap of more than PREEMPTED_NS, 1 ms, between
 *   two looks, with no work after it) means the CPUs are overcommitted: it
 *   stops spinning for PREEMPTED_BACKOFF_NS (100 ms);
 * - FUTILE_SPINS spins in a row that ended without work (a device slower
 *   than the bound for a moment, a peer that went quiet) stop it for
 *   FUTILE_BACKOFF_NS (10 ms). That pause is short: at queue depth 1 a
 *   device that is slow for eight requests is usually fast again for the
 *   next thousand, and every request during a pause pays two wake-ups (a
 *   100 ms pause cost a quarter of a QD1 run, docs/PERFORMANCE.md);
 * - each back-off that follows another without a spin that found work in
 *   between lasts twice as long as the one before of its kind, up to
 *   MAX_BACKOFF_NS: on a machine that stays overcommitted, or with a device
 *   that stays slow, the spins that try again cost next to nothing.
 *
 * A spin always ends by asking every source's peers for signals again
 * ('listen') and handling what arrived meanwhile, so no wake-up is lost
 * when the entrypoint sleeps afterwards.
 */
#pragma once

#include <cstdint>
#include <vector>

namespace nestbox {

	struct Poll_source;
	class  Busy_poll;
}


/* Something an entrypoint can watch without a system call: a ring, a completion queue */
struct nestbox::Poll_source
{
	virtual ~Poll_source() = default;

	/* Work is likely to arrive soon: requests in flight, or work a moment ago */
	virtual bool expecting() = 0;

	/* Peers need not signal while we watch */
	virtual void quiet() { }

	/* Work is there; a look at shared memory, no system call, nothing asked of a peer */
	virtual bool ready() = 0;

	/* Ask peers for a signal again before we sleep; true: work arrived meanwhile */
	virtual bool listen() { return ready(); }

	/* Do the work, as the source's signal handler would */
	virtual void handle() = 0;
};


class nestbox::Busy_poll
{
	public:

		static constexpr uint64_t MAX_BOUND_US = 1000;
		/*
		 * A gap this long between two looks is another task's time slice
		 * (the scheduler's slices are milliseconds). Shorter gaps are
		 * interrupts and, in a VM, the hypervisor: at 20 us they paused
		 * polling on a quiet 2-vCPU VM nearly all the time (26 spins for
		 * 16,384 requests, docs/PERFORMANCE.md).
		 */
		static constexpr uint64_t PREEMPTED_NS = 1'000'000;
		static constexpr uint64_t PREEMPTED_BACKOFF_NS = 100'000'000;
		static constexpr uint64_t FUTILE_BACKOFF_NS    =  10'000'000;
		static constexpr uint64_t MAX_BACKOFF_NS       = 3'200'000'000;
		static constexpr unsigned FUTILE_SPINS = 8;

		/* How often an entrypoint that keeps finding work by polling still looks at its descriptors */
		static constexpr uint64_t EPOLL_INTERVAL_NS = 200'000;

		struct Stats { uint64_t spins = 0, hits = 0, preempted = 0, futile_pauses = 0, longest_backoff_ms = 0; };

	private:

		std::vector<Poll_source *> _sources { };
		std::vector<Poll_source *> _ready   { };   /* scratch of 'spin' */

		uint64_t _bound_ns     = 0;
		uint64_t _paused_until = 0;

		/* the next back-off's length, of each kind */
		uint64_t _preempted_backoff_ns = PREEMPTED_BACKOFF_NS;
		uint64_t _futile_backoff_ns    = FUTILE_BACKOFF_NS;
		uint64_t _last_epoll   = 0;
		unsigned _futile       = 0;
		int      _cpus         = -1;   /* usable CPUs, looked up at the first spin */

		Stats _stats { };

		bool _handle_arrivals();
		void _back_off(uint64_t &length_ns);

	public:

		/* 0 switches busy polling off (the default); capped at MAX_BOUND_US */
		void bound_us(uint64_t us);
		uint64_t bound_us() const { return _bound_ns / 1000; }

		void add(Poll_source &);
		void remove(Poll_source &);

		/* Worth trying: a bound is set, there are sources, no back-off is in force */
		bool active() const;

		/*
		 * Whether the entrypoint should look at its descriptors (without
		 * sleeping) before it spins: it has not done so for EPOLL_INTERVAL_NS,
		 * so events other than the sources' do not starve
		 */
		bool epoll_due();

		/* The entrypoint looked at its descriptors */
		void epoll_looked();

		/*
		 * Spin until a source has work or the bound passes, then re-arm
		 * every source and handle what arrived. True: work was handled, the
		 * entrypoint should not sleep now.
		 */
		bool spin();

		Stats stats() const { return _stats; }
};
