/*
 * RPC round trip: an Rpc_client in this process calls a trivial function
 * of an Rpc_object served by an Entrypoint in a forked process, against
 * a raw SOCK_SEQPACKET ping-pong of the same message sizes.
 */

#include "bench.h"

#include <array>
#include <cstdio>
#include <optional>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <nestbox/base/rpc.h>

using namespace nestbox;
using namespace nestbox::bench;

namespace {

struct Adder
{
	virtual ~Adder() = default;
	virtual int64_t add(int32_t a, int32_t b) = 0;
	using Rpc_functions = Rpc_list<&Adder::add>;
};

struct Adder_server : Rpc_object<Adder>
{
	Entrypoint &ep;
	explicit Adder_server(Entrypoint &ep) : ep(ep) { }

	int64_t add(int32_t a, int32_t b) override { return int64_t(a) + b; }

	/* the benchmark is over once its client has gone */
	void all_channels_closed() override { ep.stop(); }
};

/* The same bytes as the RPC: a header plus two int32 arguments, a header plus an int64 result */
constexpr size_t REQUEST_SIZE = sizeof(Msg_header) + 2*sizeof(int32_t);
constexpr size_t REPLY_SIZE   = sizeof(Msg_header) + sizeof(int64_t);

/* The raw peer: blocking receive, send the answer, nothing else */
void raw_server(int fd)
{
	std::array<char, 256> buf { };
	for (;;) {
		if (::recv(fd, buf.data(), buf.size(), 0) <= 0) return;
		if (::send(fd, buf.data(), REPLY_SIZE, MSG_NOSIGNAL) < 0) return;
	}
}

/*
 * The raw peer an entrypoint-based server really is: it waits in epoll,
 * then receives without blocking and sends. Timing against it separates
 * what the library adds from what multiplexing in epoll costs.
 */
void raw_epoll_server(int fd)
{
	int const ep = ::epoll_create1(EPOLL_CLOEXEC);
	epoll_event ev { };
	ev.events  = EPOLLIN;
	ev.data.fd = fd;
	::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	std::array<char, 256> buf { };
	for (;;) {
		epoll_event out[8];
		if (::epoll_wait(ep, out, 8, -1) <= 0) continue;
		if (::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT) <= 0) return;
		if (::send(fd, buf.data(), REPLY_SIZE, MSG_NOSIGNAL) < 0) return;
	}
}

double raw_client(int fd, unsigned long n)
{
	std::array<char, 256> request { }, reply { };
	double const start = now_ns();
	for (unsigned long i = 0; i < n; i++) {
		if (::send(fd, request.data(), REQUEST_SIZE, MSG_NOSIGNAL) != ssize_t(REQUEST_SIZE)) die("send");
		if (::recv(fd, reply.data(), reply.size(), 0) != ssize_t(REPLY_SIZE)) die("recv");
	}
	return now_ns() - start;
}

struct Raw_pair
{
	Unique_fd                   client;
	std::optional<Peer_process> server;

	Raw_pair(Options const &opt, void (*serve)(int))
	{
		auto pair = Channel::create();
		if (!pair) die("socketpair");
		int const server_fd = pair->first.get();
		server.emplace(opt, [&] { pair->second.reset(); serve(server_fd); });
		client = std::move(pair->second);
	}
};

}


void nestbox::bench::rpc_round_trip(Options const &opt)
{
	auto pair = Channel::create();
	if (!pair) die("socketpair");

	Peer_process server(opt, [&] {
		pair->second.reset();
		Entrypoint ep;
		Adder_server adder(ep);
		ep.adopt(std::move(pair->first), adder);
		ep.run();
	});
	pair->first.reset();

	struct Adder_client : Rpc_client<Adder>
	{
		using Rpc_client::Rpc_client;
		Result<int64_t> add(int32_t a, int32_t b) { return call<&Adder::add>(a, b); }
	} adder(Capability<Adder>(std::move(pair->second)));

	/* check once that the server computes, so that we time a working call */
	if (auto r = adder.add(40, 2); !r || *r != 42) {
		std::fprintf(stderr, "base_bench: RPC to the benchmark server failed\n");
		std::exit(1);
	}

	Raw_pair raw      (opt, raw_server);
	Raw_pair raw_epoll(opt, raw_epoll_server);

	compare(opt,
		{ "rpc_round_trip", [&] (unsigned long n) {
			double const start = now_ns();
			for (unsigned long i = 0; i < n; i++)
				if (!adder.add(int32_t(i), 1)) die("rpc");
			return now_ns() - start; } },
		{ { "seqpacket",       [&] (unsigned long n) { return raw_client(raw.client.get(), n); } },
		  { "seqpacket_epoll", [&] (unsigned long n) { return raw_client(raw_epoll.client.get(), n); } } });
}
