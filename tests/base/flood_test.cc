/*
 * Peers that do not drain: a server's replies and a parent's calls never
 * block, what waits is bounded and arrives in order
 */

#include <gtest/gtest.h>

#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

#include <nestbox/base/rpc.h>
#include <nestbox/base/send_queue.h>

#include "base/test_util.h"

using namespace nestbox;

namespace {

struct Echo
{
	virtual ~Echo() = default;
	virtual uint64_t    echo(uint64_t v) = 0;
	virtual std::string pad(std::string_view s) = 0;
	virtual void        hang() = 0;

	using Rpc_functions = Rpc_list<&Echo::echo, &Echo::pad, &Echo::hang>;
};

struct Echo_server : Rpc_object<Echo>
{
	explicit Echo_server(Entrypoint &) { }
	uint64_t    echo(uint64_t v) override { return v; }
	std::string pad(std::string_view s) override { return std::string(s); }
	void        hang() override { ::pause(); }
};

/* A test that blocks where it must not ends with SIGALRM instead of hanging */
struct Watchdog
{
	Watchdog()  { ::alarm(60); }
	~Watchdog() { ::alarm(0); }
};

void send_echo(int fd, uint64_t id)
{
	Msg_writer w;
	Rpc_call_encoder::encode<&Echo::echo>(w, id, 0, id);
	ASSERT_TRUE(Channel::send(fd, w).ok());
}

bool try_send_echo(int fd, uint64_t id)
{
	Msg_writer w;
	Rpc_call_encoder::encode<&Echo::echo>(w, id, 0, id);
	return Channel::send_nonblocking(fd, w).ok();
}

} /* anonymous namespace */


TEST(Flood, a_client_that_reads_no_replies_stops_only_itself)
{
	Watchdog watchdog;
	::signal(SIGPIPE, SIG_IGN);

	Entrypoint  ep;
	Echo_server server(ep);
	auto flood = ep.mint(server);
	auto other = ep.mint(server);
	ASSERT_TRUE(flood.ok() && other.ok());

	/*
	 * Requests as fast as the server takes them, no reply read. Before, the
	 * server blocked in its reply once the flood's socket was full, and this
	 * single-threaded test never came back from dispatch_once.
	 */
	uint64_t sent = 0;
	for (unsigned round = 0; round < 2000; round++) {
		while (try_send_echo(flood->get(), sent + 1)) sent++;
		ep.dispatch_once(0);
	}
	ASSERT_GT(sent, 100u);

	/* the server still serves the other client */
	send_echo(other->get(), 4711);
	Msg_reader r;
	bool answered = false;
	for (unsigned i = 0; i < 1000 && !answered; i++) {
		ep.dispatch_once(10);
		answered = Channel::receive(other->get(), r, true).ok();
	}
	ASSERT_TRUE(answered);
	EXPECT_EQ(r.header().call_id, 4711u);

	/* once the flood reads, every request gets its reply, in order */
	uint64_t replies = 0;
	for (unsigned idle = 0; idle < 200 && replies < sent; ) {
		ep.dispatch_once(0);
		if (Channel::receive(flood->get(), r, true).ok()) {
			EXPECT_EQ(r.header().call_id, replies + 1);
			replies++;
			idle = 0;
		} else {
			idle++;
			ep.dispatch_once(5);
		}
	}
	EXPECT_EQ(replies, sent);
}


TEST(Flood, send_queue_is_bounded_and_keeps_order_and_capabilities)
{
	auto pair = Channel::create();
	ASSERT_TRUE(pair.ok());
	int const fd = pair->first.get(), peer = pair->second.get();

	Send_queue queue;
	Msg_writer w;
	uint64_t id = 0, queued = 0;
	Error refused = Error::PEER_DEAD;
	for (;;) {
		w.reset();
		w.header() = Msg_header { ++id, 0, 0 };
		int p[2];
		ASSERT_EQ(::pipe(p), 0);
		::close(p[0]);
		w.put_cap(Unique_fd(p[1]));
		auto sent = queue.send(fd, w);
		if (!sent) { refused = sent.error(); break; }
		if (*sent == Send_queue::Sent::QUEUED) queued++;
	}
	EXPECT_EQ(refused, Error::OUT_OF_RAM);
	EXPECT_EQ(queued, uint64_t(Send_queue::MAX_MESSAGES));
	EXPECT_EQ(queue.messages(), size_t(Send_queue::MAX_MESSAGES));

	/* the peer reads; what waited follows in order, each with its capability */
	Msg_reader r;
	uint64_t expect = 1;
	for (;;) {
		if (Channel::receive(peer, r, true).ok()) {
			EXPECT_EQ(r.header().call_id, expect++);
			EXPECT_TRUE(r.take_cap(0).valid());
			continue;
		}
		auto flushed = queue.flush(fd);
		ASSERT_TRUE(flushed.ok());
		if (*flushed && !Channel::receive(peer, r, true).ok()) break;
		if (*flushed) { EXPECT_EQ(r.header().call_id, expect++); r.take_cap(0); }
	}
	EXPECT_EQ(expect, id);   /* all but the refused one */
	EXPECT_TRUE(queue.empty());
	EXPECT_EQ(queue.bytes(), 0u);
}


TEST(Flood, async_calls_to_a_server_that_reads_nothing_never_block)
{
	Watchdog watchdog;
	Server_process<Echo_server> server;
	Entrypoint ep;
	Async_rpc_client<Echo> echo(ep, server.take_cap());

	/* the server hangs in its first call and reads no further request */
	echo.call<&Echo::hang>([] (Result<void>) { });

	/* before, one of these blocked once the server's socket was full */
	std::string const big(8000, 'x');
	unsigned refused = 0, calls = 0;
	for (; calls < 1000 && !refused; calls++) {
		echo.call<&Echo::pad>([&] (Result<std::string> r) {
			if (!r && r.error() == Error::UNAVAILABLE) refused++; }, big);
		ep.dispatch_once(0);
	}
	while (ep.dispatch_once(0)) { }
	EXPECT_GE(refused, 1u);
	EXPECT_FALSE(echo.dead());

	/* the peer's death ends every pending call, queued or sent */
	server.kill();
	for (unsigned i = 0; i < 100 && !echo.dead(); i++) ep.dispatch_once(100);
	EXPECT_TRUE(echo.dead());
	EXPECT_EQ(echo.pending(), 0u);
}
