/*
 * Signals: delivery through the entrypoint, coalescing, counting handlers,
 * submit-only capabilities, vanished receivers, across processes
 */

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nestbox/base/signal.h>

using namespace nestbox;

namespace {

/* A receiver as a component would write it: handlers are members of Main */
struct Receiver
{
	Entrypoint &ep;

	unsigned plain_calls    = 0;
	unsigned counting_calls = 0;
	unsigned counted        = 0;

	void handle_plain() { plain_calls++; }
	void handle_counting(unsigned n) { counting_calls++; counted += n; }

	Signal_handler<Receiver> plain    { ep, *this, &Receiver::handle_plain };
	Signal_handler<Receiver> counting { ep, *this, &Receiver::handle_counting };

	explicit Receiver(Entrypoint &ep) : ep(ep) { }
};

/* Dispatch until 'done' holds; a generous bound keeps a broken build from hanging */
template <typename FN>
bool dispatch_until(Entrypoint &ep, FN const &done)
{
	for (unsigned i = 0; i < 100 && !done(); i++) ep.dispatch_once(100);
	return done();
}

/* Send one capability descriptor to a peer, the way a real component would pass it */
bool send_fd(int channel, Unique_fd &&fd)
{
	Msg_writer w;
	w.header() = Msg_header { 1, 0, 0 };
	w.put_raw(w.put_cap(std::move(fd)));
	return Channel::send(channel, w).ok();
}

Unique_fd receive_fd(int channel)
{
	Msg_reader r;
	if (!Channel::receive(channel, r, false)) return { };
	return r.take_cap(r.get_raw<uint8_t>());
}

int wait_exit_code(pid_t pid)
{
	int status = 0;
	if (::waitpid(pid, &status, 0) != pid) return -1;
	if (WIFSIGNALED(status)) return 1000 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} /* anonymous namespace */


TEST(Signal, submit_wakes_the_entrypoint_and_calls_the_handler)
{
	Entrypoint ep;
	Receiver recv(ep);
	Signal_context_capability cap = recv.plain.cap();
	ASSERT_TRUE(cap.valid());

	/* nothing pending: the entrypoint times out without a call */
	EXPECT_FALSE(ep.dispatch_once(0));
	EXPECT_EQ(recv.plain_calls, 0u);

	Signal_transmitter::submit(cap);
	EXPECT_TRUE(dispatch_until(ep, [&] { return recv.plain_calls == 1; }));
	EXPECT_EQ(recv.plain.last_count(), 1u);

	/* the other handler of the same entrypoint was not involved */
	EXPECT_EQ(recv.counting_calls, 0u);

	/* a delivered signal is consumed: no second call without a new submit */
	ep.dispatch_once(0);
	EXPECT_EQ(recv.plain_calls, 1u);
}


TEST(Signal, submissions_before_dispatch_coalesce_into_one_call)
{
	Entrypoint ep;
	Receiver recv(ep);
	Signal_context_capability cap = recv.plain.cap();

	for (unsigned i = 0; i < 5; i++) Signal_transmitter::submit(cap);

	EXPECT_TRUE(dispatch_until(ep, [&] { return recv.plain_calls > 0; }));
	EXPECT_EQ(recv.plain_calls, 1u);
	EXPECT_EQ(recv.plain.last_count(), 5u);

	/* the next round starts counting afresh */
	Signal_transmitter::submit(cap);
	Signal_transmitter::submit(cap);
	EXPECT_TRUE(dispatch_until(ep, [&] { return recv.plain_calls == 2; }));
	EXPECT_EQ(recv.plain.last_count(), 2u);
}


TEST(Signal, counting_handler_sees_the_number_of_submissions)
{
	Entrypoint ep;
	Receiver recv(ep);

	/* several sources, each with its own end, feed one handler */
	Signal_context_capability a = recv.counting.cap();
	Signal_context_capability b = a.copy();
	ASSERT_TRUE(b.valid());
	EXPECT_NE(a.fd(), b.fd());

	for (unsigned i = 0; i < 3; i++) Signal_transmitter::submit(a);
	for (unsigned i = 0; i < 4; i++) Signal_transmitter::submit(b);

	EXPECT_TRUE(dispatch_until(ep, [&] { return recv.counting_calls > 0; }));
	EXPECT_EQ(recv.counting_calls, 1u);
	EXPECT_EQ(recv.counted, 7u);
	EXPECT_EQ(recv.counting.last_count(), 7u);
	EXPECT_EQ(recv.plain_calls, 0u);
}


TEST(Signal, a_flood_of_submissions_never_blocks_the_submitter)
{
	Entrypoint ep;
	Receiver recv(ep);
	Signal_context_capability cap = recv.counting.cap();

	/*
	 * Far more submissions than a pipe holds: the submitter must not block
	 * (the receiver is already woken), and the receiver still gets a call.
	 */
	for (unsigned i = 0; i < 200000; i++) Signal_transmitter::submit(cap);

	EXPECT_TRUE(dispatch_until(ep, [&] { return recv.counting_calls > 0; }));
	EXPECT_GE(recv.counted, 1u);
	EXPECT_LE(recv.counted, 200000u);

	/* drained: nothing is left over for a second call */
	unsigned const calls = recv.counting_calls;
	ep.dispatch_once(0);
	EXPECT_EQ(recv.counting_calls, calls);
}


TEST(Signal, local_submit_defers_work_to_the_entrypoint)
{
	Entrypoint ep;
	Receiver recv(ep);

	recv.plain.local_submit();
	recv.plain.local_submit();

	/* nothing runs synchronously: the call happens on dispatch */
	EXPECT_EQ(recv.plain_calls, 0u);
	EXPECT_TRUE(dispatch_until(ep, [&] { return recv.plain_calls > 0; }));
	EXPECT_EQ(recv.plain_calls, 1u);
	EXPECT_EQ(recv.plain.last_count(), 2u);
}


TEST(Signal, submit_only_end_cannot_read_or_swallow_signals)
{
	Entrypoint ep;
	Receiver recv(ep);
	Signal_context_capability cap = recv.plain.cap();

	Signal_transmitter::submit(cap);

	/* the capability is a write end: reading it fails instead of consuming */
	char c = 0;
	errno = 0;
	EXPECT_EQ(::read(cap.fd(), &c, 1), -1);
	EXPECT_EQ(errno, EBADF);
	EXPECT_EQ(::fcntl(cap.fd(), F_GETFL) & O_ACCMODE, O_WRONLY);

	/* and the signal is still there for the receiver */
	EXPECT_TRUE(dispatch_until(ep, [&] { return recv.plain_calls == 1; }));
}


TEST(Signal, submitting_to_a_hostile_descriptor_never_blocks)
{
	/* a client may pass off a blocking pipe that nobody reads as its signal */
	int fds[2];
	ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
	Unique_fd read_end(fds[0]);
	Signal_context_capability hostile { Unique_fd(fds[1]) };
	for (int i = 0; i < 100000; i++)
		Signal_transmitter::submit(hostile);   /* would block once 64K are in a pipe */

	/* or clear O_NONBLOCK on a real signal capability it shares with us */
	Entrypoint ep;
	Receiver recv(ep);
	Signal_context_capability cap = recv.plain.cap();
	ASSERT_EQ(::fcntl(cap.fd(), F_SETFL, 0), 0);
	for (int i = 0; i < 100000; i++)
		Signal_transmitter::submit(cap);
	EXPECT_TRUE(dispatch_until(ep, [&] { return recv.plain_calls == 1; }));
}


TEST(Signal, destroyed_handler_is_not_called)
{
	Entrypoint ep;
	unsigned calls = 0;
	struct Counter
	{
		unsigned &calls;
		void handle() { calls++; }
	} counter { calls };

	Signal_context_capability cap;
	{
		Signal_handler<Counter> handler(ep, counter, &Counter::handle);
		cap = handler.cap();
		Signal_transmitter::submit(cap);
	}
	/* the pending signal dies with its handler */
	EXPECT_FALSE(ep.dispatch_once(0));
	EXPECT_EQ(calls, 0u);
}


TEST(Signal, vanished_receiver_does_not_hurt_the_submitter)
{
	/*
	 * Components ignore SIGPIPE (component_main.cc); so do we here. Then a
	 * write to a pipe without reader merely fails with EPIPE.
	 */
	::signal(SIGPIPE, SIG_IGN);

	int channel[2];
	ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, channel), 0);

	pid_t const receiver = ::fork();
	if (receiver == 0) {
		::close(channel[0]);
		Entrypoint ep;
		struct Nop { void handle() { } } nop;
		Signal_handler<Nop> handler(ep, nop, &Nop::handle);
		::_exit(send_fd(channel[1], handler.cap().release_fd()) ? 0 : 101);
	}
	::close(channel[1]);
	Signal_context_capability cap(receive_fd(channel[0]));
	::close(channel[0]);
	ASSERT_TRUE(cap.valid());
	EXPECT_EQ(wait_exit_code(receiver), 0);

	/* the receiver has exited: every submit fails quietly */
	for (unsigned i = 0; i < 10; i++) Signal_transmitter::submit(cap);

	/* we are still here, and can still signal others */
	Entrypoint ep;
	Receiver recv(ep);
	Signal_transmitter::submit(recv.plain.cap());
	EXPECT_TRUE(dispatch_until(ep, [&] { return recv.plain_calls == 1; }));
}


TEST(Signal, delivery_across_processes)
{
	int channel[2];
	ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, channel), 0);

	/*
	 * The child owns a counting handler, hands its capability to us, and
	 * reports what its handler saw through the exit code. We submit three
	 * times before telling it to dispatch, so it must see one call of three.
	 */
	pid_t const child = ::fork();
	if (child == 0) {
		::close(channel[0]);
		Entrypoint ep;
		Receiver recv(ep);
		if (!send_fd(channel[1], recv.counting.cap().release_fd())) ::_exit(101);

		char go = 0;
		if (::read(channel[1], &go, 1) != 1) ::_exit(100);
		dispatch_until(ep, [&] { return recv.counting_calls > 0; });
		::_exit(recv.counting_calls == 1 && recv.counted == 3 ? 0 : 10 + int(recv.counted));
	}
	::close(channel[1]);

	Signal_context_capability cap(receive_fd(channel[0]));
	ASSERT_TRUE(cap.valid());
	for (unsigned i = 0; i < 3; i++) Signal_transmitter::submit(cap);
	char const go = 1;
	ASSERT_EQ(::write(channel[0], &go, 1), 1);
	::close(channel[0]);

	EXPECT_EQ(wait_exit_code(child), 0);
}


TEST(Signal, ping_pong_between_two_entrypoints_in_two_processes)
{
	/*
	 * Each side's handler answers the other: the pattern of a server that
	 * signals a client which in turn signals back (bench/ times exactly this).
	 */
	enum { ROUNDS = 100 };

	Entrypoint ep;
	struct Pinger
	{
		unsigned pongs = 0;
		void handle() { pongs++; }
	} pinger;
	Signal_handler<Pinger> pong_handler(ep, pinger, &Pinger::handle);

	int channel[2];
	ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, channel), 0);

	/* the child inherits our submit end, a plain inheritance at start-up */
	Signal_context_capability to_parent = pong_handler.cap();

	pid_t const child = ::fork();
	if (child == 0) {
		::close(channel[0]);
		Entrypoint child_ep;
		struct Ponger
		{
			Signal_context_capability &back;
			unsigned pings = 0;
			void handle() { pings++; Signal_transmitter::submit(back); }
		} ponger { to_parent };
		Signal_handler<Ponger> ping_handler(child_ep, ponger, &Ponger::handle);
		if (!send_fd(channel[1], ping_handler.cap().release_fd())) ::_exit(101);

		/* bounded, so that a failing parent leaves no stray process behind */
		for (unsigned idle = 0; ponger.pings < ROUNDS && idle < 100; )
			if (!child_ep.dispatch_once(100)) idle++;
		::_exit(ponger.pings == ROUNDS ? 0 : 102);
	}
	::close(channel[1]);
	to_parent = Signal_context_capability();

	Signal_context_capability to_child(receive_fd(channel[0]));
	::close(channel[0]);
	ASSERT_TRUE(to_child.valid());

	for (unsigned i = 0; i < ROUNDS; i++) {
		Signal_transmitter::submit(to_child);
		unsigned const expected = i + 1;
		ASSERT_TRUE(dispatch_until(ep, [&] { return pinger.pongs == expected; })) << "round " << i;
	}
	EXPECT_EQ(pong_handler.last_count(), 1u);
	EXPECT_EQ(wait_exit_code(child), 0);
}
