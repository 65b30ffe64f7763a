/*
 * RPC: marshalling, capability arguments, delegation, recognition, peer death
 */

#include <gtest/gtest.h>

#include <csignal>
#include <sys/wait.h>
#include <thread>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <cstring>

#include <nestbox/base/dataspace.h>
#include <nestbox/base/rpc.h>
#include <nestbox/base/signal.h>

#include "base/test_util.h"

using namespace nestbox;

namespace {

struct Point { int32_t x, y; };

struct Calc
{
	virtual ~Calc() = default;
	virtual int64_t      add(int32_t a, int32_t b) = 0;
	virtual std::string  greet(std::string_view name) = 0;
	virtual Result<Point> mirror(Point p) = 0;
	virtual Result<void> fail_with(int32_t e) = 0;
	virtual uint32_t     identify(Untyped_capability cap) = 0;   /* 1 if it is one of ours */
	virtual Result<Dataspace_capability> buffer(uint64_t size) = 0;
	virtual void         hang() = 0;
	virtual void         die() = 0;

	using Rpc_functions = Rpc_list<&Calc::add, &Calc::greet, &Calc::mirror, &Calc::fail_with,
	                               &Calc::identify, &Calc::buffer, &Calc::hang, &Calc::die>;
};

struct Calc_client : Rpc_client<Calc>
{
	using Rpc_client::Rpc_client;
	Result<int64_t>     add(int a, int b)         { return call<&Calc::add>(a, b); }
	Result<std::string> greet(std::string_view n) { return call<&Calc::greet>(n); }
	Result<Point>       mirror(Point p)           { return call<&Calc::mirror>(p); }
	Result<void>        fail_with(Error e)        { return call<&Calc::fail_with>(int32_t(e)); }
	Result<uint32_t>    identify(Untyped_capability &&c) { return call<&Calc::identify>(std::move(c)); }
	Result<Dataspace_capability> buffer(uint64_t s) { return call<&Calc::buffer>(s); }
	Result<void>        hang() { return call<&Calc::hang>(); }
	Result<void>        die()  { return call<&Calc::die>(); }
};

struct Calc_server : Rpc_object<Calc>
{
	Entrypoint &ep;
	explicit Calc_server(Entrypoint &ep) : ep(ep) { }

	int64_t add(int32_t a, int32_t b) override { return int64_t(a) + b; }
	std::string greet(std::string_view n) override { return "hello " + std::string(n); }
	Result<Point> mirror(Point p) override { return Point { p.y, p.x }; }
	Result<void> fail_with(int32_t e) override { return failure(Error(e)); }
	uint32_t identify(Untyped_capability cap) override { return ep.lookup_as<Calc_server>(cap) == this; }
	Result<Dataspace_capability> buffer(uint64_t size) override
	{
		auto ds = create_dataspace(size, "test");
		if (!ds) return failure(ds.error());
		Attached_dataspace a(ds->copy());
		std::memset(a.local_addr(), 0x5a, size);
		return std::move(*ds);
	}
	void hang() override { ::pause(); }
	void die()  override { ::_exit(0); }
};

} /* anonymous namespace */


TEST(Rpc, values_strings_structs_and_errors)
{
	Server_process<Calc_server> server;
	Calc_client calc(server.take_cap());

	auto sum = calc.add(40, 2);
	ASSERT_TRUE(sum.ok());
	EXPECT_EQ(*sum, 42);

	auto greeting = calc.greet("nestbox");
	ASSERT_TRUE(greeting.ok());
	EXPECT_EQ(*greeting, "hello nestbox");

	auto m = calc.mirror(Point { 1, 2 });
	ASSERT_TRUE(m.ok());
	EXPECT_EQ(m->x, 2);
	EXPECT_EQ(m->y, 1);

	auto f = calc.fail_with(Error::OUT_OF_RAM);
	ASSERT_FALSE(f.ok());
	EXPECT_EQ(f.error(), Error::OUT_OF_RAM);
}


TEST(Rpc, server_recognises_its_own_object_passed_back)
{
	Server_process<Calc_server> server;
	Calc_client calc(server.take_cap());

	/* a second channel to the same object, minted by the server's entrypoint */
	auto copy = nestbox::copy(calc.cap());
	ASSERT_TRUE(copy.ok());
	EXPECT_NE(fd_inode(copy->fd()), fd_inode(calc.cap().fd()));

	auto ours = calc.identify(Untyped_capability(copy->release_fd()));
	ASSERT_TRUE(ours.ok());
	EXPECT_EQ(*ours, 1u);

	/* a foreign channel is not recognised */
	auto foreign = Channel::create();
	ASSERT_TRUE(foreign.ok());
	auto theirs = calc.identify(Untyped_capability(std::move(foreign->second)));
	ASSERT_TRUE(theirs.ok());
	EXPECT_EQ(*theirs, 0u);
}


TEST(Rpc, passing_a_capability_moves_it)
{
	Server_process<Calc_server> server;
	Calc_client calc(server.take_cap());

	auto copy = nestbox::copy(calc.cap());
	ASSERT_TRUE(copy.ok());
	Untyped_capability cap(copy->release_fd());
	int const fd = cap.fd();
	ASSERT_TRUE(calc.identify(std::move(cap)).ok());
	/* the sender's descriptor is closed once the message is sent */
	EXPECT_FALSE(cap.valid());
	EXPECT_EQ(::fcntl(fd, F_GETFD), -1);
}


TEST(Rpc, delegated_capability_gets_its_own_channel)
{
	/* process B receives a capability from A and calls the server with it */
	Server_process<Calc_server> server;
	Calc_client calc(server.take_cap());

	auto for_b = nestbox::copy(calc.cap());
	ASSERT_TRUE(for_b.ok());
	ino_t const own_ino = fd_inode(calc.cap().fd());
	ino_t const b_ino   = fd_inode(for_b->fd());
	EXPECT_NE(own_ino, b_ino);

	int const b_fd = for_b->fd();
	pid_t const b = ::fork();
	if (b == 0) {
		Calc_client b_calc(Capability<Calc>(Unique_fd(::dup(b_fd))));
		auto r = b_calc.add(1, 2);
		::_exit(r.ok() && *r == 3 ? 0 : 1);
	}
	int status = 0;
	::waitpid(b, &status, 0);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* A's own channel still works independently */
	EXPECT_TRUE(calc.add(2, 2).ok());
}


TEST(Rpc, dataspace_sharing_across_processes)
{
	Server_process<Calc_server> server;
	Calc_client calc(server.take_cap());

	auto ds = calc.buffer(8192);
	ASSERT_TRUE(ds.ok());
	EXPECT_EQ(ds->size(), 8192u);
	Attached_dataspace a(std::move(*ds));
	ASSERT_TRUE(a.valid());
	EXPECT_EQ(a.local_addr<unsigned char>()[0],    0x5a);
	EXPECT_EQ(a.local_addr<unsigned char>()[8191], 0x5a);
}


TEST(Rpc, dataspace_sealed_readonly_refuses_writeable_mapping)
{
	auto ds = create_dataspace(4096, "ro");
	ASSERT_TRUE(ds.ok());
	{
		Attached_dataspace w(ds->copy());
		std::strcpy(w.local_addr(), "content");
	}
	auto ro = seal_readonly(std::move(*ds));
	ASSERT_TRUE(ro.ok());
	EXPECT_FALSE(ro->writeable());
	EXPECT_EQ(::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro->fd(), 0), MAP_FAILED);
	Attached_dataspace r(std::move(*ro));
	EXPECT_STREQ(r.local_addr(), "content");
}


TEST(Rpc, peer_death_mid_call_returns_error_at_once)
{
	Server_process<Calc_server> server;
	Calc_client calc(server.take_cap());

	/* the server hangs in the call; kill it while we wait */
	std::thread killer([&] { ::usleep(100*1000); server.kill(); });
	auto r = calc.hang();
	killer.join();
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error(), Error::PEER_DEAD);

	/* later calls fail at once too */
	auto again = calc.add(1, 1);
	ASSERT_FALSE(again.ok());
	EXPECT_EQ(again.error(), Error::PEER_DEAD);
}


TEST(Rpc, server_exiting_during_call)
{
	Server_process<Calc_server> server;
	Calc_client calc(server.take_cap());
	auto r = calc.die();
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error(), Error::PEER_DEAD);
}


TEST(Rpc, malformed_and_unknown_requests_get_errors)
{
	Server_process<Calc_server> server;
	Capability<Calc> cap = server.take_cap();

	Msg_writer w;
	Msg_reader r;

	/* opcode beyond the interface */
	w.reset();
	w.header() = Msg_header { 7, 99, 0 };
	ASSERT_TRUE(Channel::send(cap.fd(), w).ok());
	ASSERT_TRUE(Channel::receive(cap.fd(), r, false).ok());
	EXPECT_EQ(r.header().status, int32_t(Error::INVALID_OPCODE));

	/* 'greet' with a string length pointing past the message */
	w.reset();
	w.header() = Msg_header { 8, 1, 0 };
	w.put_raw(uint32_t(100000));
	ASSERT_TRUE(Channel::send(cap.fd(), w).ok());
	ASSERT_TRUE(Channel::receive(cap.fd(), r, false).ok());
	EXPECT_EQ(r.header().status, int32_t(Error::MALFORMED));

	/* a message shorter than a header */
	char junk = 1;
	ASSERT_EQ(::send(cap.fd(), &junk, 1, 0), 1);
	ASSERT_TRUE(Channel::receive(cap.fd(), r, false).ok());
	EXPECT_EQ(r.header().status, int32_t(Error::MALFORMED));

	/* the server is still fine */
	Calc_client calc(std::move(cap));
	EXPECT_TRUE(calc.add(1, 2).ok());
}


TEST(Rpc, async_client_completes_on_the_entrypoint)
{
	Server_process<Calc_server> server;
	Entrypoint ep;
	Async_rpc_client<Calc> calc(ep, server.take_cap());

	int64_t got = 0;
	calc.call<&Calc::add>([&] (Result<int64_t> r) { got = r.ok() ? *r : -1; }, 20, 22);
	while (!got) ep.dispatch_once(1000);
	EXPECT_EQ(got, 42);

	/* pending calls fail when the peer dies */
	bool failed = false;
	calc.call<&Calc::hang>([&] (Result<void> r) { failed = !r.ok(); });
	server.kill();
	while (!failed) ep.dispatch_once(1000);
	EXPECT_TRUE(calc.dead());
}


TEST(Rpc, copies_of_a_capability_are_bounded)
{
	Server_process<Calc_server> server;
	Calc_client calc(server.take_cap());

	/* a client cannot make the server mint channels without end */
	std::vector<Capability<Calc>> copies;
	Error last = Error::PEER_DEAD;
	for (unsigned i = 0; i < 2 * MAX_CHANNELS_PER_OBJECT; i++) {
		auto c = nestbox::copy(calc.cap());
		if (!c) { last = c.error(); break; }
		copies.push_back(std::move(*c));
	}
	EXPECT_EQ(copies.size(), MAX_CHANNELS_PER_OBJECT - 1);
	EXPECT_EQ(last, Error::OUT_OF_CAPS);

	/* closing copies makes room again */
	copies.clear();
	for (int i = 0; i < 100 && !nestbox::copy(calc.cap()); i++) ::usleep(1000);
	EXPECT_TRUE(calc.add(1, 1).ok());
}
