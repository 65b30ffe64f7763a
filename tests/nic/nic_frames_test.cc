/*
 * Nic frames over packet streams: both directions, a peer that stops
 * acknowledging, hostile descriptors, MAC addresses
 *
 * Both ends of both streams live in this process, mapped from one
 * dataspace per stream, as a Nic client and server map them.
 */

#include <gtest/gtest.h>

#include <nestbox/nic/connection.h>
#include <nestbox/nic/frames.h>
#include <nestbox/nic/server.h>

using namespace nestbox;
using namespace nestbox::Nic;

namespace {

Dataspace_capability stream_ds(Packet_stream::Geometry g)
{
	return std::move(*create_dataspace(Packet_stream::Layout<Packet>(g).total, "nic-test"));
}

/* One stream: the source's end and the sink's end, and a raw view for hostile writes */
struct Stream_pair
{
	Packet_stream::Geometry const geometry;
	Dataspace_capability ds = stream_ds(geometry);
	Frame_sender   sender   { Attached_dataspace(ds.copy()), geometry };
	Frame_receiver receiver { Attached_dataspace(ds.copy()), geometry };
	Attached_dataspace raw  { ds.copy() };

	explicit Stream_pair(Packet_stream::Geometry g) : geometry(g) { }

	Packet_stream::Shared_header &header() { return *raw.local_addr<Packet_stream::Shared_header>(); }
	Packet *submit_ring() { return reinterpret_cast<Packet *>(raw.local_addr<char>()
	                               + Packet_stream::Layout<Packet>(geometry).submit_ring); }
};

/* A session's two streams: tx client -> server, rx server -> client */
struct Session_pair
{
	Stream_pair tx { { 8, 64 * 1024 } };
	Stream_pair rx { { 8, 64 * 1024 } };
};

std::vector<std::byte> frame(size_t size, uint8_t fill)
{
	std::vector<std::byte> f(size, std::byte(fill));
	for (unsigned i = 0; i < 6; i++) f[i] = std::byte(0xff);   /* broadcast */
	return f;
}

std::vector<std::vector<std::byte>> take(Frame_receiver &r, size_t limit = SIZE_MAX)
{
	std::vector<std::vector<std::byte>> got;
	r.receive([&] (std::span<std::byte const> f) { got.emplace_back(f.begin(), f.end()); }, limit);
	return got;
}

}


TEST(NicFrames, mac_address_parses_and_prints)
{
	auto m = Mac_address::parse("02:00:0a:0B:0c:ff");
	ASSERT_TRUE(m);
	EXPECT_EQ(m->string(), "02:00:0a:0b:0c:ff");
	EXPECT_FALSE(m->multicast());
	EXPECT_TRUE(Mac_address::parse("ff-ff-ff-ff-ff-ff")->broadcast());
	EXPECT_FALSE(Mac_address::parse("02:00:00:00:00"));
	EXPECT_FALSE(Mac_address::parse("02:00:00:00:00:0g"));
	EXPECT_FALSE(Mac_address::parse("02:00:00:00:00:001"));
}


TEST(NicFrames, frames_travel_both_ways)
{
	Session_pair s;

	/* client -> server */
	ASSERT_TRUE(s.tx.sender.send(frame(60, 1)));
	ASSERT_TRUE(s.tx.sender.send(frame(1514, 2)));
	auto got = take(s.tx.receiver);
	ASSERT_EQ(got.size(), 2u);
	EXPECT_EQ(got[0], frame(60, 1));
	EXPECT_EQ(got[1], frame(1514, 2));

	/* server -> client */
	ASSERT_TRUE(s.rx.sender.send(frame(100, 3)));
	got = take(s.rx.receiver);
	ASSERT_EQ(got.size(), 1u);
	EXPECT_EQ(got[0], frame(100, 3));

	/* acknowledged frames free their buffer: far more than the queue depth pass */
	for (unsigned i = 0; i < 100; i++) {
		ASSERT_TRUE(s.tx.sender.send(frame(1000, uint8_t(i))));
		ASSERT_EQ(take(s.tx.receiver).size(), 1u);
	}
	EXPECT_EQ(s.tx.sender.sent(), 102u);
	EXPECT_EQ(s.tx.sender.dropped(), 0u);
	EXPECT_EQ(s.tx.receiver.received(), 102u);
}


TEST(NicFrames, a_client_that_stops_taking_frames_loses_only_its_own)
{
	Session_pair s;

	/* the client takes nothing from rx: the server's sends drop once the queue is full */
	unsigned sent = 0;
	for (unsigned i = 0; i < 20; i++) sent += s.rx.sender.send(frame(64, 9));
	EXPECT_EQ(sent, 8u);
	EXPECT_EQ(s.rx.sender.dropped(), 12u);

	/* the other direction still flows */
	for (unsigned i = 0; i < 20; i++) {
		ASSERT_TRUE(s.tx.sender.send(frame(64, uint8_t(i))));
		ASSERT_EQ(take(s.tx.receiver).size(), 1u);
	}

	/* once the client takes its frames, the server's sends go through again */
	EXPECT_EQ(take(s.rx.receiver).size(), 8u);
	EXPECT_TRUE(s.rx.sender.send(frame(64, 10)));
}


TEST(NicFrames, a_sender_that_takes_no_acks_stalls_only_its_stream)
{
	Session_pair s;

	/*
	 * A hostile client submits frames straight into the ring and never
	 * takes an acknowledgement: the server takes what it can acknowledge,
	 * keeps the acknowledgements that find no room and takes no more.
	 */
	Packet *ring = s.tx.submit_ring();
	auto submit = [&] (uint32_t from, uint32_t count) {
		for (uint32_t i = from; i < from + count; i++) ring[i % 8] = { 0, 64, i % 8, 0 };
		s.tx.header().submit.head.store(from + count, std::memory_order_release);
	};
	submit(0, 8);
	EXPECT_EQ(take(s.tx.receiver).size(), 8u);   /* acknowledged: the ack ring had room */
	submit(8, 8);
	EXPECT_EQ(take(s.tx.receiver).size(), 8u);   /* taken, their acks wait */
	submit(16, 8);
	EXPECT_EQ(take(s.tx.receiver).size(), 0u);   /* nothing more until the acks are out */

	/* the server's frames to the client still flow */
	ASSERT_TRUE(s.rx.sender.send(frame(64, 2)));
	EXPECT_EQ(take(s.rx.receiver).size(), 1u);
}


TEST(NicFrames, frames_of_a_bad_size_are_refused_by_the_sender)
{
	Session_pair s;
	EXPECT_FALSE(s.tx.sender.send(frame(MIN_FRAME - 1, 1)));
	EXPECT_FALSE(s.tx.sender.send(std::vector<std::byte>(MAX_FRAME + 1)));
	EXPECT_EQ(s.tx.sender.dropped(), 2u);
	EXPECT_TRUE(take(s.tx.receiver).empty());
}


TEST(NicFrames, hostile_descriptors_are_acknowledged_unseen_and_counted)
{
	Session_pair s;
	Packet_stream::Geometry const g = s.tx.geometry;

	/* a hostile client writes descriptors straight into the submit ring */
	Packet *ring = s.tx.submit_ring();
	ring[0] = { 0, 4, 0, 0 };                              /* shorter than a header */
	ring[1] = { 0, MAX_FRAME + 1, 1, 0 };                  /* longer than any frame */
	ring[2] = { g.bulk_size - 10, 100, 2, 0 };             /* beyond the buffer */
	ring[3] = { UINT64_MAX - 10, 100, 3, 0 };              /* wrapping offset */
	ring[4] = { 0, 60, 4, 0 };                             /* a good one */
	s.tx.header().submit.head.store(5, std::memory_order_release);

	auto got = take(s.tx.receiver);
	EXPECT_EQ(got.size(), 1u);
	EXPECT_EQ(s.tx.receiver.bad_frames(), 4u);
	EXPECT_FALSE(s.tx.receiver.broken());
}


TEST(NicFrames, corrupted_indices_stop_the_stream)
{
	Session_pair s;
	s.tx.header().submit.head.store(1000, std::memory_order_release);
	EXPECT_TRUE(take(s.tx.receiver).empty());
	EXPECT_TRUE(s.tx.receiver.broken());

	/* the other stream is untouched */
	ASSERT_TRUE(s.rx.sender.send(frame(64, 1)));
	EXPECT_EQ(take(s.rx.receiver).size(), 1u);
}


TEST(NicFrames, receive_limit_leaves_frames_for_later)
{
	Session_pair s;
	for (unsigned i = 0; i < 5; i++) ASSERT_TRUE(s.tx.sender.send(frame(64, uint8_t(i))));
	EXPECT_EQ(take(s.tx.receiver, 2).size(), 2u);
	EXPECT_EQ(take(s.tx.receiver).size(), 3u);
}
