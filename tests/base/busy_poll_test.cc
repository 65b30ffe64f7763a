/*
 * Busy polling: when an entrypoint spins, what it asks of its sources, and
 * when it does not spin at all
 */

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <sched.h>
#include <sys/epoll.h>
#include <thread>
#include <unistd.h>

#include <nestbox/base/busy_poll.h>
#include <nestbox/base/entrypoint.h>
#include <nestbox/packet_stream.h>
#include <nestbox/util/monotonic.h>

using namespace nestbox;

namespace {

/* A source whose work another thread makes appear, recording what it was asked */
struct Test_source : Poll_source
{
	std::atomic<bool> work { false };
	bool expect = true;
	unsigned quieted = 0, listened = 0, handled = 0;
	useconds_t stall_us = 0;   /* ready() takes this long: a preempted spin */

	bool expecting() override { return expect; }
	void quiet()     override { quieted++; }
	unsigned looks = 0, work_at_look = 0;   /* work appears at this look of the spin (0: never) */

	bool ready() override
	{
		if (stall_us) ::usleep(stall_us);
		if (work_at_look && ++looks == work_at_look) work = true;
		return work.load();
	}
	bool listen()    override { listened++; return work.load(); }
	void handle()    override { handled++; work = false; }
};

bool multi_cpu()
{
	cpu_set_t set;
	CPU_ZERO(&set);
	return ::sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 1;
}

}


TEST(BusyPoll, off_unless_a_bound_is_set)
{
	Busy_poll poll;
	Test_source s;
	poll.add(s);
	s.work = true;
	EXPECT_FALSE(poll.active());
	EXPECT_FALSE(poll.spin());
	EXPECT_EQ(s.quieted + s.listened + s.handled, 0u);

	poll.bound_us(1'000'000);
	EXPECT_EQ(poll.bound_us(), Busy_poll::MAX_BOUND_US) << "the bound is capped";
}


TEST(BusyPoll, finds_work_without_a_signal_and_asks_for_signals_again)
{
	if (!multi_cpu()) GTEST_SKIP() << "busy polling needs two CPUs";

	Busy_poll poll;
	poll.bound_us(Busy_poll::MAX_BOUND_US);
	Test_source s;
	poll.add(s);

	/* the work appears while the poll spins, as a peer's packet would */
	s.work_at_look = 100;
	bool const found = poll.spin();
	if (poll.stats().preempted) GTEST_SKIP() << "preempted while spinning: the machine is too busy";
	EXPECT_TRUE(found);
	EXPECT_EQ(s.looks, 100u);
	EXPECT_EQ(s.handled, 1u);
	EXPECT_GE(s.quieted, 1u) << "the peer was told not to signal while we watched";
	EXPECT_EQ(s.listened, s.quieted) << "every spin ends asking for signals again";
}


TEST(BusyPoll, no_spin_where_no_source_expects_work)
{
	Busy_poll poll;
	poll.bound_us(100);
	Test_source s;
	s.expect = false;
	poll.add(s);
	EXPECT_FALSE(poll.spin());
	EXPECT_EQ(s.quieted, 0u);
}


TEST(BusyPoll, a_single_cpu_is_never_spun_on)
{
	cpu_set_t old_set, one;
	ASSERT_EQ(::sched_getaffinity(0, sizeof(old_set), &old_set), 0);
	CPU_ZERO(&one);
	CPU_SET(::sched_getcpu(), &one);
	ASSERT_EQ(::sched_setaffinity(0, sizeof(one), &one), 0);

	Busy_poll poll;
	poll.bound_us(100);
	Test_source s;
	poll.add(s);
	bool const spun = poll.spin();

	ASSERT_EQ(::sched_setaffinity(0, sizeof(old_set), &old_set), 0);
	EXPECT_FALSE(spun);
	EXPECT_EQ(s.quieted, 0u) << "the peer it waits for would need this CPU";
}


TEST(BusyPoll, spins_that_find_nothing_stop_for_a_while)
{
	if (!multi_cpu()) GTEST_SKIP() << "busy polling needs two CPUs";

	Busy_poll poll;
	poll.bound_us(10);
	Test_source s;
	poll.add(s);
	for (unsigned i = 0; i < Busy_poll::FUTILE_SPINS; i++) EXPECT_FALSE(poll.spin());
	uint64_t const paused_at = monotonic_ns();
	if (poll.stats().preempted) GTEST_SKIP() << "preempted while spinning: the machine is too busy";
	EXPECT_EQ(poll.stats().futile_pauses, 1u);
	bool const active = poll.active();
	unsigned const quieted = s.quieted;
	bool const spun = poll.spin();
	if (monotonic_ns() - paused_at >= Busy_poll::FUTILE_BACKOFF_NS)
		GTEST_SKIP() << "the pause was over before it was looked at: the machine is too busy";
	EXPECT_FALSE(active) << "backed off";
	EXPECT_FALSE(spun);
	EXPECT_EQ(s.quieted, quieted) << "no spin during the back-off";
}


TEST(BusyPoll, a_futile_pause_is_shorter_than_a_preempted_one)
{
	if (!multi_cpu()) GTEST_SKIP() << "busy polling needs two CPUs";

	static_assert(Busy_poll::FUTILE_BACKOFF_NS < Busy_poll::PREEMPTED_BACKOFF_NS);

	Busy_poll poll;
	poll.bound_us(10);
	Test_source s;
	poll.add(s);
	for (unsigned i = 0; i < Busy_poll::FUTILE_SPINS; i++) (void)poll.spin();
	if (poll.stats().preempted) GTEST_SKIP() << "preempted while spinning: the machine is too busy";
	EXPECT_EQ(poll.stats().longest_backoff_ms, Busy_poll::FUTILE_BACKOFF_NS / 1'000'000);

	/* a preemption after it pauses for its own first length, not the futile one doubled */
	while (!poll.active()) ::usleep(1'000);
	poll.bound_us(Busy_poll::MAX_BOUND_US);
	s.stall_us = useconds_t(Busy_poll::PREEMPTED_NS / 1000 * 3);
	(void)poll.spin();
	EXPECT_EQ(poll.stats().preempted, 1u);
	EXPECT_EQ(poll.stats().longest_backoff_ms, Busy_poll::PREEMPTED_BACKOFF_NS / 1'000'000);
}


TEST(BusyPoll, back_offs_in_a_row_grow_and_a_spin_that_finds_work_resets_them)
{
	if (!multi_cpu()) GTEST_SKIP() << "busy polling needs two CPUs";

	Busy_poll poll;
	poll.bound_us(10);
	Test_source s;
	poll.add(s);
	auto futile_round = [&] {
		while (!poll.active()) ::usleep(1'000);
		for (unsigned i = 0; i < Busy_poll::FUTILE_SPINS; i++) (void)poll.spin();
	};

	futile_round();
	futile_round();
	if (poll.stats().preempted) GTEST_SKIP() << "preempted while spinning: the machine is too busy";
	EXPECT_EQ(poll.stats().futile_pauses, 2u);
	EXPECT_EQ(poll.stats().longest_backoff_ms, 2 * Busy_poll::FUTILE_BACKOFF_NS / 1'000'000) << "the second pause is longer";

	/* work found: the next pause is the first length again */
	while (!poll.active()) ::usleep(10'000);
	s.work = true;
	EXPECT_TRUE(poll.spin());
	futile_round();
	futile_round();
	if (poll.stats().preempted) GTEST_SKIP() << "preempted while spinning: the machine is too busy";
	EXPECT_EQ(poll.stats().longest_backoff_ms, 2 * Busy_poll::FUTILE_BACKOFF_NS / 1'000'000);
}


TEST(BusyPoll, a_preempted_spin_stops_spinning_for_a_while)
{
	if (!multi_cpu()) GTEST_SKIP() << "busy polling needs two CPUs";

	Busy_poll poll;
	poll.bound_us(Busy_poll::MAX_BOUND_US);
	Test_source s;
	s.stall_us = useconds_t(Busy_poll::PREEMPTED_NS / 1000 * 3);   /* as if another task ran */
	poll.add(s);
	EXPECT_FALSE(poll.spin());
	EXPECT_EQ(poll.stats().preempted, 1u);
	EXPECT_FALSE(poll.active());
	EXPECT_EQ(s.listened, 1u) << "a spin cut short still asks for signals again";
}


TEST(BusyPoll, a_source_removed_while_another_is_handled_is_not_called)
{
	if (!multi_cpu()) GTEST_SKIP() << "busy polling needs two CPUs";

	Busy_poll poll;
	poll.bound_us(100);

	struct Remover : Test_source
	{
		Busy_poll *poll = nullptr; Poll_source *victim = nullptr;
		void handle() override { Test_source::handle(); poll->remove(*victim); }
	} first;
	Test_source second;
	first.poll = &poll; first.victim = &second;
	poll.add(first);
	poll.add(second);
	first.work = second.work = true;

	EXPECT_TRUE(poll.spin());
	EXPECT_EQ(first.handled, 1u);
	EXPECT_EQ(second.handled, 0u);
}


/*
 * A source and a sink, each in a thread with an entrypoint that polls,
 * move packets through a stream of one slot: every packet needs the other
 * side, so a wake-up lost between polling and sleeping would stall the
 * stream (a dispatch that times out). Both sides also take signals the
 * normal way whenever polling gave up or backed off.
 */
TEST(BusyPoll, polling_peers_lose_no_wake_up)
{
	struct Packet { uint64_t offset = 0, size = 0; uint32_t tag = 0; };
	using namespace Packet_stream;
	Geometry const g { 1, 4096 };
	Dataspace_capability ds = std::move(*create_dataspace(Layout<Packet>(g).total, "busy-poll-test"));
	Sink<Packet>   sink   { Attached_dataspace(ds.copy()), g };
	Source<Packet> source { Attached_dataspace(ds.copy()), g };
	Signal_pair to_sink   = std::move(*Signal_pair::create());
	Signal_pair to_source = std::move(*Signal_pair::create());
	source.peer_sigh(to_sink.cap());
	sink.peer_sigh(to_source.cap());

	unsigned const ROUNDS = 20000;

	/* one side: its signal and its polled ring both lead to 'work' */
	struct Side : Poll_source, Io_handler
	{
		Entrypoint ep { };
		int const  signal_fd;
		std::function<bool()> expecting_fn, ready_fn, listen_fn;
		std::function<void()> quiet_fn, work_fn;
		unsigned timeouts = 0;

		bool expecting() override { return expecting_fn(); }
		void quiet()     override { quiet_fn(); }
		bool ready()     override { return ready_fn(); }
		bool listen()    override { return listen_fn(); }
		void handle()    override { work_fn(); }
		void handle_io(uint32_t) override { Signal_pair::drain(signal_fd); work_fn(); }

		explicit Side(int fd) : signal_fd(fd)
		{
			ep.watch(signal_fd, *this, EPOLLIN);
			ep.busy_poll().bound_us(50);
			ep.busy_poll().add(*this);
		}

		void run(std::function<bool()> const &done) { while (!done()) if (!ep.dispatch_once(5000)) timeouts++; }
	};

	unsigned sink_timeouts = 0;
	std::thread sink_thread([&] {
		Side side(to_sink.receive_end.get());
		unsigned acked = 0;
		side.expecting_fn = [&] { return true; };
		side.quiet_fn  = [&] { sink.quiet(); };
		side.ready_fn  = [&] { return sink.ready(); };
		side.listen_fn = [&] { return sink.listen(); };
		side.work_fn   = [&] { Packet p[1]; while (sink.get_packets(p)) { sink.ack(p[0]); acked++; } };
		side.run([&] { return acked == ROUNDS; });
		sink_timeouts = side.timeouts;
	});

	Side side(to_source.receive_end.get());
	unsigned submitted = 0, completed = 0;
	auto submit = [&] { if (submitted < ROUNDS) { source.submit(*source.alloc(8)); submitted++; } };
	side.expecting_fn = [&] { return submitted > completed; };
	side.quiet_fn  = [&] { source.quiet(); };
	side.ready_fn  = [&] { return source.acks_ready(); };
	side.listen_fn = [&] { return source.listen(); };
	side.work_fn   = [&] {
		Packet p[1];
		while (source.get_acked(p)) { source.release(p[0]); completed++; submit(); }
	};
	submit();
	side.run([&] { return completed == ROUNDS; });
	sink_thread.join();

	EXPECT_EQ(completed, ROUNDS);
	EXPECT_EQ(side.timeouts + sink_timeouts, 0u) << "a side slept through a packet meant for it";
}
