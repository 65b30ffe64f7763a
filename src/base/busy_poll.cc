/*
 * Busy polling: the bounded, adaptive spin of an entrypoint
 */

#include <nestbox/base/busy_poll.h>

#include <algorithm>
#include <nestbox/util/monotonic.h>
#include <sched.h>

using namespace nestbox;

/* Tell the CPU we spin: a sibling hyperthread gets the core, the pipeline no misspeculation */
static inline void cpu_relax()
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	asm volatile("yield" ::: "memory");
#endif
}


/* The CPUs this process may run on; 1 where the kernel will not say */
static int usable_cpus()
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (::sched_getaffinity(0, sizeof(set), &set) < 0) return 1;
	return CPU_COUNT(&set);
}


void Busy_poll::bound_us(uint64_t us)
{
	_bound_ns = std::min(us, MAX_BOUND_US) * 1000;
}


void Busy_poll::add(Poll_source &s)
{
	if (std::find(_sources.begin(), _sources.end(), &s) == _sources.end())
		_sources.push_back(&s);
}


void Busy_poll::remove(Poll_source &s)
{
	std::erase(_sources, &s);
	std::erase(_ready, &s);
}


bool Busy_poll::active() const
{
	return _bound_ns && !_sources.empty() && monotonic_ns() >= _paused_until;
}


bool Busy_poll::epoll_due()
{
	return monotonic_ns() - _last_epoll >= EPOLL_INTERVAL_NS;
}


void Busy_poll::epoll_looked()
{
	_last_epoll = monotonic_ns();
}


/*
 * Every source asks its peers for signals again; then what arrived is
 * handled. A handler may remove sources (a session that ends), so each is
 * looked up again before it is called.
 */
bool Busy_poll::_handle_arrivals()
{
	_ready.clear();
	for (Poll_source *s : _sources)
		if (s->listen()) _ready.push_back(s);

	bool const any = !_ready.empty();
	while (!_ready.empty()) {
		Poll_source *s = _ready.front();
		_ready.erase(_ready.begin());
		if (std::find(_sources.begin(), _sources.end(), s) != _sources.end())
			s->handle();
	}
	return any;
}


void Busy_poll::_back_off(uint64_t &length_ns)
{
	_futile = 0;
	_paused_until = monotonic_ns() + length_ns;
	_stats.longest_backoff_ms = std::max(_stats.longest_backoff_ms, length_ns / 1'000'000);
	length_ns = std::min(length_ns * 2, MAX_BACKOFF_NS);
}


bool Busy_poll::spin()
{
	if (!active()) return false;

	/* each source is asked: one that remembers recent work forgets it here */
	bool expecting = false;
	for (Poll_source *s : _sources)
		expecting |= s->expecting();
	if (!expecting) return false;

	if (_cpus < 0) _cpus = usable_cpus();
	if (_cpus < 2) return false;

	_stats.spins++;
	for (Poll_source *s : _sources) s->quiet();

	uint64_t const start = monotonic_ns();
	uint64_t last = start;
	bool found = false, preempted = false;
	for (;;) {
		for (Poll_source *s : _sources)
			if (s->ready()) { found = true; break; }
		if (found) break;

		cpu_relax();
		uint64_t const t = monotonic_ns();
		if (t - last > PREEMPTED_NS) {
			/*
			 * A gap with work after it is most likely the work arriving: an
			 * interrupt, or the kernel completing I/O in our context (io_uring
			 * runs completions as task work of the submitter). A gap with
			 * nothing after it: another task had the CPU.
			 */
			for (Poll_source *s : _sources)
				if (s->ready()) { found = true; break; }
			preempted = !found;
			break;
		}
		last = t;
		if (t - start >= _bound_ns) break;
	}

	if (preempted) {
		/* another task needed this CPU: spinning takes time from it */
		_stats.preempted++;
		_back_off(_preempted_backoff_ns);
	} else if (found) {
		_stats.hits++;
		_futile = 0;
		_preempted_backoff_ns = PREEMPTED_BACKOFF_NS;
		_futile_backoff_ns    = FUTILE_BACKOFF_NS;
	} else if (++_futile >= FUTILE_SPINS) {
		_stats.futile_pauses++;
		_back_off(_futile_backoff_ns);
	}

	return _handle_arrivals();
}
