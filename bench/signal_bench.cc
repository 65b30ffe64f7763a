/*
 * Signal round trip: this process submits to a Signal_handler in a forked
 * process, whose handler submits back to ours; both are dispatched by
 * entrypoints. Raw peers: the same ping-pong over blocking pipes (our
 * signals are pipes: the raw peer of the mechanism), over eventfds (the
 * signal target is set against eventfd's cost) and over datagram socket pairs (the
 * alternative we measured and rejected, see docs/PERFORMANCE.md), plus pipes
 * waited for in epoll, as an entrypoint waits.
 */

#include "bench.h"

#include <cstdint>
#include <cstdio>
#include <fcntl.h>
#include <optional>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <nestbox/base/signal.h>

using namespace nestbox;
using namespace nestbox::bench;

namespace {

/* The forked side: every ping is answered by a pong from within the handler */
struct Ponger
{
	Signal_context_capability back;
	void handle_ping() { Signal_transmitter::submit(back); }
};

/* Our side: counts pongs, dispatched by our entrypoint */
struct Pinger
{
	unsigned long pongs = 0;
	void handle_pong() { pongs++; }
};

/* Two one-way channels of a raw ping-pong (pipes: [0] reads, [1] writes; eventfds: [0] only) */
struct Raw_channels { int to_peer[2]; int from_peer[2]; };

void pipe_peer(Raw_channels const &c)
{
	char byte = 0;
	for (;;) {
		if (::read(c.to_peer[0], &byte, 1) != 1) return;
		if (::write(c.from_peer[1], &byte, 1) != 1) return;
	}
}

double pipe_ping(Raw_channels const &c, unsigned long n)
{
	char byte = 1;
	double const start = now_ns();
	for (unsigned long i = 0; i < n; i++) {
		if (::write(c.to_peer[1], &byte, 1) != 1) die("write");
		if (::read(c.from_peer[0], &byte, 1) != 1) die("read");
	}
	return now_ns() - start;
}

void eventfd_peer(Raw_channels const &c)
{
	uint64_t v = 0;
	for (;;) {
		if (::read(c.to_peer[0], &v, sizeof(v)) != sizeof(v)) return;
		v = 1;
		if (::write(c.from_peer[0], &v, sizeof(v)) != sizeof(v)) return;
	}
}

double eventfd_ping(Raw_channels const &c, unsigned long n)
{
	uint64_t v = 1;
	double const start = now_ns();
	for (unsigned long i = 0; i < n; i++) {
		v = 1;
		if (::write(c.to_peer[0], &v, sizeof(v)) != sizeof(v)) die("write");
		if (::read(c.from_peer[0], &v, sizeof(v)) != sizeof(v)) die("read");
	}
	return now_ns() - start;
}

/* Wait in epoll, then read without blocking: what an entrypoint does per wake-up */
struct Epoll_reader
{
	int ep;
	int fd;

	explicit Epoll_reader(int fd) : ep(::epoll_create1(EPOLL_CLOEXEC)), fd(fd)
	{
		epoll_event ev { };
		ev.events  = EPOLLIN;
		ev.data.fd = fd;
		if (ep < 0 || ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll");
	}

	bool read_one()
	{
		epoll_event out[8];
		if (::epoll_wait(ep, out, 8, -1) != 1) return false;
		char buf[256];
		return ::read(fd, buf, sizeof(buf)) > 0;
	}
};

int nonblocking_pipe(int fds[2])
{
	return ::pipe2(fds, O_CLOEXEC | O_NONBLOCK);
}

}


void nestbox::bench::signal_round_trip(Options const &opt)
{
	/* the peer's submit end for our pongs travels over this socket, and its own back */
	int sock[2];
	if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0) die("socketpair");

	Peer_process ponger_process(opt, [&] {
		::close(sock[0]);
		Entrypoint ep;
		Ponger ponger { Signal_context_capability(Unique_fd(receive_fd(sock[1]))) };
		Signal_handler<Ponger> ping(ep, ponger, &Ponger::handle_ping);
		if (!send_fd(sock[1], ping.cap().fd())) return;
		ep.run();
	});
	::close(sock[1]);

	Entrypoint ep;
	Pinger pinger;
	Signal_handler<Pinger> pong(ep, pinger, &Pinger::handle_pong);
	if (!send_fd(sock[0], pong.cap().fd())) die("send_fd");
	Signal_context_capability to_ponger(Unique_fd(receive_fd(sock[0])));
	::close(sock[0]);
	if (!to_ponger.valid()) die("receive_fd");

	/* raw peers: blocking datagram pairs, pipes, eventfds, non-blocking pipes behind epoll */
	Raw_channels dgrams { }, pipes { }, events { }, epoll_pipes { };
	if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, dgrams.to_peer) < 0
	 || ::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, dgrams.from_peer) < 0) die("socketpair");
	if (::pipe2(pipes.to_peer, O_CLOEXEC) < 0 || ::pipe2(pipes.from_peer, O_CLOEXEC) < 0) die("pipe");
	events.to_peer[0]   = ::eventfd(0, EFD_CLOEXEC);
	events.from_peer[0] = ::eventfd(0, EFD_CLOEXEC);
	if (events.to_peer[0] < 0 || events.from_peer[0] < 0) die("eventfd");
	if (nonblocking_pipe(epoll_pipes.to_peer) < 0 || nonblocking_pipe(epoll_pipes.from_peer) < 0) die("pipe");

	Peer_process dgram_process  (opt, [&] { pipe_peer(dgrams); });   /* read/write work on both */
	Peer_process pipe_process   (opt, [&] { pipe_peer(pipes); });
	Peer_process eventfd_process(opt, [&] { eventfd_peer(events); });
	Peer_process epoll_process  (opt, [&] {
		Epoll_reader in(epoll_pipes.to_peer[0]);
		char const byte = 1;
		while (in.read_one())
			if (::write(epoll_pipes.from_peer[1], &byte, 1) != 1) return;
	});
	Epoll_reader epoll_in(epoll_pipes.from_peer[0]);

	compare(opt,
		{ "signal_round_trip", [&] (unsigned long n) {
			double const start = now_ns();
			for (unsigned long i = 0; i < n; i++) {
				unsigned long const expected = pinger.pongs + 1;
				Signal_transmitter::submit(to_ponger);
				while (pinger.pongs != expected) ep.dispatch_once(-1);
			}
			return now_ns() - start; } },
		{ { "dgram",      [&] (unsigned long n) { return pipe_ping(dgrams, n); } },
		  { "pipe",       [&] (unsigned long n) { return pipe_ping(pipes, n); } },
		  { "eventfd",    [&] (unsigned long n) { return eventfd_ping(events, n); } },
		  { "pipe_epoll", [&] (unsigned long n) {
			char const byte = 1;
			double const start = now_ns();
			for (unsigned long i = 0; i < n; i++) {
				if (::write(epoll_pipes.to_peer[1], &byte, 1) != 1) die("write");
				if (!epoll_in.read_one()) die("epoll read");
			}
			return now_ns() - start; } } });
}
