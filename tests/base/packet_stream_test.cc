/*
 * Packet streams: ring logic, batching, edges, hostile peers
 *
 * Both ends live in this process, mapped from one dataspace each (as two
 * components would map it); one test runs them in two threads.
 */

#include <gtest/gtest.h>

#include <thread>

#include <nestbox/packet_stream.h>

using namespace nestbox;
using namespace nestbox::Packet_stream;

namespace {

struct Test_packet
{
	uint64_t offset = 0, size = 0;
	uint32_t tag = 0, value = 0;
};

struct Stream_pair
{
	Geometry const geometry;
	Dataspace_capability ds = [&] {
		auto d = create_dataspace(Layout<Test_packet>(geometry).total, "packet-stream-test");
		return std::move(*d);
	}();
	Source<Test_packet> source { Attached_dataspace(ds.copy()), geometry };
	Sink<Test_packet>   sink   { Attached_dataspace(ds.copy()), geometry };

	/* a view of the shared memory as a hostile peer would write it */
	Attached_dataspace raw { ds.copy() };
	Shared_header &header() { return *raw.local_addr<Shared_header>(); }
	Test_packet *ring(size_t offset) { return reinterpret_cast<Test_packet *>(raw.local_addr<char>() + offset); }

	explicit Stream_pair(Geometry g) : geometry(g) { }
};

/* counts signals arriving at one end */
struct Signal_counter
{
	Signal_pair pair = std::move(*Signal_pair::create());
	unsigned take() { return Signal_pair::drain(pair.receive_end.get()); }
};

}


TEST(PacketStream, geometry_is_a_power_of_two_within_limits)
{
	EXPECT_EQ(Geometry::granted(10, 1 << 20, { 256, 1 << 30 }).slots, 16u);
	EXPECT_EQ(Geometry::granted(1000, 1 << 20, { 256, 1 << 30 }).slots, 256u);
	EXPECT_EQ(Geometry::granted(1, 8 << 20, { 256, 1 << 20 }).bulk_size, uint64_t(1 << 20));
	EXPECT_FALSE((Geometry { 12, 4096 }.valid()));
	EXPECT_FALSE((Geometry { 0, 4096 }.valid()));
	EXPECT_TRUE((Geometry { 64, 4096 }.valid()));
}


TEST(PacketStream, submit_take_ack_release_round_trip)
{
	Stream_pair s({ 8, 64 * 1024 });

	auto p = s.source.alloc(4096, 4096);
	ASSERT_TRUE(p);
	std::memset(s.source.content(*p).data(), 0xab, 4096);
	ASSERT_TRUE(s.source.submit(*p));

	Test_packet got[4];
	ASSERT_EQ(s.sink.get_packets(got), 1u);
	EXPECT_EQ(got[0].offset, p->offset);
	EXPECT_EQ(s.sink.content(got[0])[4095], std::byte(0xab));

	got[0].value = 7;
	ASSERT_TRUE(s.sink.ack(got[0]));
	EXPECT_EQ(s.sink.held(), 0u);

	Test_packet acked[4];
	ASSERT_EQ(s.source.get_acked(acked), 1u);
	EXPECT_EQ(acked[0].value, 7u);
	s.source.release(acked[0]);
	EXPECT_EQ(s.source.largest_free(), 64u * 1024);
}


TEST(PacketStream, rings_wrap_many_times)
{
	Stream_pair s({ 4, 4096 });
	for (uint32_t round = 0; round < 1000; round++) {
		auto p = s.source.alloc(16);
		ASSERT_TRUE(p);
		p->value = round;
		ASSERT_TRUE(s.source.submit(*p));
		Test_packet got[1];
		ASSERT_EQ(s.sink.get_packets(got), 1u);
		ASSERT_EQ(got[0].value, round);
		ASSERT_TRUE(s.sink.ack(got[0]));
		Test_packet acked[1];
		ASSERT_EQ(s.source.get_acked(acked), 1u);
		ASSERT_EQ(acked[0].value, round);
		s.source.release(acked[0]);
	}
}


TEST(PacketStream, full_ring_refuses_and_queue_depth_bounds_allocation)
{
	Stream_pair s({ 4, 4096 });
	std::vector<Test_packet> packets;
	for (int i = 0; i < 4; i++) packets.push_back(*s.source.alloc(8));
	EXPECT_FALSE(s.source.alloc(8)) << "more packets than the queue depth";
	EXPECT_EQ(s.source.submit(packets), 4u);
	EXPECT_EQ(s.source.submit_space(), 0u);
}


TEST(PacketStream, batches_signal_only_on_edges)
{
	Stream_pair s({ 16, 4096 });
	Signal_counter at_sink, at_source;
	s.source.peer_sigh(at_sink.pair.cap());
	s.sink.peer_sigh(at_source.pair.cap());

	std::vector<Test_packet> batch;
	for (int i = 0; i < 8; i++) batch.push_back(*s.source.alloc(8));

	/* empty -> non-empty: one signal for the batch; more while non-empty: none */
	EXPECT_EQ(s.source.submit(std::span(batch).first(4)), 4u);
	EXPECT_EQ(at_sink.take(), 1u);
	EXPECT_EQ(s.source.submit(std::span(batch).subspan(4)), 4u);
	EXPECT_EQ(at_sink.take(), 0u);

	/* taking from a ring that was not full wakes no one */
	Test_packet got[16];
	EXPECT_EQ(s.sink.get_packets(got), 8u);
	EXPECT_EQ(at_source.take(), 0u);

	/* acks: one signal for the batch */
	EXPECT_EQ(s.sink.ack(std::span<Test_packet const>(got, 8)), 8u);
	EXPECT_EQ(at_source.take(), 1u);
}


TEST(PacketStream, full_to_non_full_wakes_a_producer_that_found_it_full)
{
	Stream_pair s({ 4, 4096 });
	Signal_counter at_source;
	s.sink.peer_sigh(at_source.pair.cap());

	std::vector<Test_packet> packets;
	for (int i = 0; i < 4; i++) packets.push_back(*s.source.alloc(8));
	ASSERT_EQ(s.source.submit(packets), 4u);
	EXPECT_EQ(s.source.submit_space(), 0u) << "the source finds the ring full and waits";

	Test_packet got[1];
	ASSERT_EQ(s.sink.get_packets(got), 1u);
	EXPECT_EQ(at_source.take(), 1u) << "the source waits for this slot";
	ASSERT_EQ(s.sink.get_packets(got), 1u);
	EXPECT_EQ(at_source.take(), 0u) << "one signal per wait, not per slot";
}


/* The signals a queue depth of 1 used to cost twice per request */
TEST(PacketStream, a_full_ring_nobody_waits_on_signals_no_one)
{
	Stream_pair s({ 1, 4096 });
	Signal_counter at_sink, at_source;
	s.source.peer_sigh(at_sink.pair.cap());
	s.sink.peer_sigh(at_source.pair.cap());

	for (int round = 0; round < 3; round++) {
		auto p = s.source.alloc(8);
		ASSERT_TRUE(p);
		ASSERT_TRUE(s.source.submit(*p));
		EXPECT_EQ(at_sink.take(), 1u) << "the sink found its ring empty and waits";

		/* each side takes until its ring is empty, as a server and a client do */
		Test_packet got[1];
		ASSERT_EQ(s.sink.get_packets(got), 1u);
		ASSERT_EQ(s.sink.get_packets(got), 0u);
		EXPECT_EQ(at_source.take(), 0u) << "the source did not wait for room in the submit ring";
		ASSERT_TRUE(s.sink.ack(got[0]));
		EXPECT_EQ(at_source.take(), 1u) << "the source found its ack ring empty and waits";

		Test_packet acked[1];
		ASSERT_EQ(s.source.get_acked(acked), 1u);
		ASSERT_EQ(s.source.get_acked(acked), 0u);
		EXPECT_EQ(at_sink.take(), 0u) << "the sink did not wait for room in the ack ring";
		s.source.release(acked[0]);
	}
}


/* A sink holding all it may takes nothing, but must still hear of the next packet */
TEST(PacketStream, a_sink_holding_all_it_may_is_signalled_for_the_next_packet)
{
	Stream_pair s({ 2, 4096 });
	Signal_counter at_sink;
	s.source.peer_sigh(at_sink.pair.cap());

	std::vector<Test_packet> packets { *s.source.alloc(8), *s.source.alloc(8) };
	ASSERT_EQ(s.source.submit(packets), 2u);
	EXPECT_EQ(at_sink.take(), 1u);

	Test_packet got[2];
	ASSERT_EQ(s.sink.get_packets(got), 2u);
	ASSERT_EQ(s.sink.get_packets(got), 0u) << "it holds all the ack ring can take";

	ASSERT_TRUE(s.sink.ack(std::span<Test_packet const>(got, 2)));
	Test_packet acked[2];
	ASSERT_EQ(s.source.get_acked(acked), 2u);
	s.source.release(acked[0]);
	ASSERT_TRUE(s.source.submit(*s.source.alloc(8)));
	EXPECT_EQ(at_sink.take(), 1u) << "the sink found the ring empty while it held all it may";
}


TEST(PacketStream, a_consumer_still_busy_is_not_signalled)
{
	Stream_pair s({ 16, 4096 });
	Signal_counter at_sink;
	s.source.peer_sigh(at_sink.pair.cap());

	std::vector<Test_packet> batch;
	for (int i = 0; i < 8; i++) batch.push_back(*s.source.alloc(8));
	ASSERT_EQ(s.source.submit(std::span(batch).first(4)), 4u);
	EXPECT_EQ(at_sink.take(), 1u);

	/* the sink takes some and works on them; the ring was never empty to it */
	Test_packet got[16];
	ASSERT_EQ(s.sink.get_packets(std::span(got, 2)), 2u);
	ASSERT_EQ(s.source.submit(std::span(batch).subspan(4, 2)), 2u);
	EXPECT_EQ(at_sink.take(), 0u) << "the sink comes back for more by itself";

	/* it takes until the ring is empty: now it waits, and the next batch signals */
	ASSERT_EQ(s.sink.get_packets(got), 4u);
	ASSERT_EQ(s.source.submit(std::span(batch).subspan(6)), 2u);
	EXPECT_EQ(at_sink.take(), 1u);
}


/* A consumer that polls tells the producer not to signal; 'listen' asks again */
TEST(PacketStream, a_polling_consumer_is_not_signalled_until_it_listens)
{
	Stream_pair s({ 8, 4096 });
	Signal_counter at_sink, at_source;
	s.source.peer_sigh(at_sink.pair.cap());
	s.sink.peer_sigh(at_source.pair.cap());

	s.sink.quiet();
	EXPECT_FALSE(s.sink.ready());
	ASSERT_TRUE(s.source.submit(*s.source.alloc(8)));
	EXPECT_EQ(at_sink.take(), 0u) << "the sink polls";
	EXPECT_TRUE(s.sink.ready());

	Test_packet got[8];
	ASSERT_EQ(s.sink.get_packets(got), 1u);   /* takes until empty: asks for signals again */
	ASSERT_TRUE(s.source.submit(*s.source.alloc(8)));
	EXPECT_EQ(at_sink.take(), 1u);

	/* the same for acknowledgements; 'listen' both asks again and reports what came */
	ASSERT_EQ(s.sink.get_packets(std::span(got + 1, 7)), 1u);
	s.source.quiet();
	ASSERT_EQ(s.sink.ack(std::span<Test_packet const>(got, 2)), 2u);
	EXPECT_EQ(at_source.take(), 0u) << "the source polls";
	EXPECT_TRUE(s.source.acks_ready());
	EXPECT_TRUE(s.source.listen());
	Test_packet acked[8];
	ASSERT_EQ(s.source.get_acked(acked), 2u);
	EXPECT_FALSE(s.source.listen());

	ASSERT_TRUE(s.source.submit(*s.source.alloc(8)));
	ASSERT_EQ(s.sink.get_packets(got), 1u);
	ASSERT_TRUE(s.sink.ack(got[0]));
	EXPECT_EQ(at_source.take(), 1u) << "it listens again";
}


/* The indices run through 2^32 in a long life; the event arithmetic must not care */
TEST(PacketStream, event_indices_work_across_the_wrap_of_the_indices)
{
	/* a move from 2^32 - 2 to 1 passes 2^32 - 2, 2^32 - 1 and 0, nothing else */
	EXPECT_TRUE(passes(0xfffffffe, 1, 0xfffffffe));
	EXPECT_TRUE(passes(0xffffffff, 1, 0xfffffffe));
	EXPECT_TRUE(passes(0, 1, 0xfffffffe));
	EXPECT_FALSE(passes(1, 1, 0xfffffffe));
	EXPECT_FALSE(passes(0xfffffffd, 1, 0xfffffffe));

	/* an event index left behind by an earlier wait is not passed again */
	EXPECT_FALSE(passes(no_event(7), 7 + 0x10000, 7));
	EXPECT_FALSE(passes(5, 12, 7));
}


TEST(PacketStream, sink_drops_descriptors_outside_the_bulk_buffer)
{
	Stream_pair s({ 8, 4096 });
	Layout<Test_packet> const layout(s.geometry);

	/* a hostile source writes descriptors directly */
	Test_packet *slots = s.ring(layout.submit_ring);
	slots[0] = { 4000, 200, 0, 1 };            /* runs past the end */
	slots[1] = { ~0ull - 10, 20, 1, 2 };       /* offset + size overflows */
	slots[2] = { 4096, 0, 2, 3 };              /* empty, at the end: fine */
	slots[3] = { 0, 4096, 3, 4 };              /* the whole buffer: fine */
	slots[4] = { 1024, 1024, 4, 5 };           /* overlaps the one before: the source's business */
	s.header().submit.head.store(5);

	Test_packet got[8];
	ASSERT_EQ(s.sink.get_packets(got), 3u);
	EXPECT_EQ(got[0].value, 3u);
	EXPECT_EQ(got[1].value, 4u);
	EXPECT_EQ(got[2].value, 5u);
	EXPECT_EQ(s.sink.bad_packets(), 2u);
	EXPECT_EQ(s.sink.content(got[1]).size(), 4096u);
}


TEST(PacketStream, a_corrupted_index_breaks_only_that_stream)
{
	Stream_pair s({ 8, 4096 });
	s.header().submit.head.store(1000);   /* more than the ring holds */
	Test_packet got[8];
	EXPECT_EQ(s.sink.get_packets(got), 0u);
	EXPECT_TRUE(s.sink.broken());

	Stream_pair t({ 8, 4096 });
	t.header().submit.tail.store(5);   /* the sink claims to have taken what was never submitted */
	auto p = t.source.alloc(8);
	EXPECT_FALSE(t.source.submit(*p));
	EXPECT_TRUE(t.source.broken());
}


TEST(PacketStream, source_rejects_acks_for_packets_never_submitted)
{
	Stream_pair s({ 8, 4096 });
	Layout<Test_packet> const layout(s.geometry);

	auto p = *s.source.alloc(64);
	auto q = *s.source.alloc(64);   /* allocated, never submitted */
	ASSERT_TRUE(s.source.submit(p));

	Test_packet *acks = s.ring(layout.ack_ring);
	acks[0] = { 0, 64, 99, 0 };               /* no such tag */
	acks[1] = q;                               /* never submitted */
	acks[2] = { p.offset + 64, 64, p.tag, 0 }; /* its tag, another range */
	acks[3] = p;                               /* right */
	acks[4] = p;                               /* the same one twice */
	s.header().ack.head.store(5);

	Test_packet got[8];
	ASSERT_EQ(s.source.get_acked(got), 1u);
	EXPECT_EQ(got[0].tag, p.tag);
	EXPECT_EQ(s.source.bad_acks(), 4u);
}


TEST(PacketStream, a_sink_holds_no_more_than_it_can_acknowledge)
{
	Stream_pair s({ 4, 4096 });
	Layout<Test_packet> const layout(s.geometry);

	/* a hostile source submits forever and never takes an acknowledgement */
	Test_packet *slots = s.ring(layout.submit_ring);
	for (uint32_t i = 0; i < 4; i++) slots[i] = { 0, 8, i, i };
	s.header().submit.head.store(4);

	Test_packet got[8];
	ASSERT_EQ(s.sink.get_packets(got), 4u);
	ASSERT_EQ(s.sink.ack(std::span<Test_packet const>(got, 4)), 4u);

	for (uint32_t i = 0; i < 4; i++) slots[i] = { 0, 8, i, i };
	s.header().submit.head.store(8);
	ASSERT_EQ(s.sink.get_packets(got), 4u);
	EXPECT_EQ(s.sink.ack(std::span<Test_packet const>(got, 4)), 0u) << "the ack ring is full";
	EXPECT_EQ(s.sink.held(), 4u);

	s.header().submit.head.store(12);
	EXPECT_EQ(s.sink.get_packets(got), 0u) << "the sink takes nothing it could not acknowledge";
}


TEST(PacketStream, bulk_allocator_coalesces_and_aligns)
{
	Bulk_allocator a(1 << 16);
	auto x = a.alloc(100, 4096);
	auto y = a.alloc(100, 4096);
	auto z = a.alloc(100, 4096);
	ASSERT_TRUE(x && y && z);
	EXPECT_EQ(*x % 4096, 0u);
	EXPECT_EQ(*y % 4096, 0u);
	EXPECT_NE(*x, *y);
	a.free(*y, 100);
	a.free(*x, 100);
	a.free(*z, 100);
	EXPECT_EQ(a.largest(), uint64_t(1 << 16));
	EXPECT_FALSE(a.alloc((1 << 16) + 1, 1));
}


TEST(PacketStream, two_threads_move_a_million_packets_in_order)
{
	Stream_pair s({ 64, 64 * 1024 });
	Signal_counter at_sink, at_source;
	s.source.peer_sigh(at_sink.pair.cap());
	s.sink.peer_sigh(at_source.pair.cap());

	constexpr uint32_t N = 1'000'000;

	std::thread sink_thread([&] {
		uint32_t expected = 0;
		Test_packet got[32];
		while (expected < N) {
			size_t const n = s.sink.get_packets(got);
			if (!n) { at_sink.pair.wait(); at_sink.take(); continue; }
			for (size_t i = 0; i < n; i++) ASSERT_EQ(got[i].value, expected++);
			size_t acked = 0;
			while (acked < n) {
				acked += s.sink.ack(std::span<Test_packet const>(got + acked, n - acked));
				if (acked < n) { at_sink.pair.wait(); at_sink.take(); }
			}
		}
	});

	uint32_t next = 0, done = 0;
	Test_packet batch[32], acked[64];
	while (done < N) {
		size_t n = 0;
		while (n < 32 && next + n < N) {
			auto p = s.source.alloc(0);
			if (!p) break;
			p->value = next + uint32_t(n);
			batch[n++] = *p;
		}
		size_t const submitted = s.source.submit(std::span<Test_packet const>(batch, n));
		for (size_t i = submitted; i < n; i++) s.source.release(batch[i]);
		next += uint32_t(submitted);

		size_t const a = s.source.get_acked(acked);
		for (size_t i = 0; i < a; i++) s.source.release(acked[i]);
		done += uint32_t(a);
		if (!a && !submitted) { at_source.pair.wait(); at_source.take(); }
	}
	sink_thread.join();
	EXPECT_EQ(s.source.bad_acks(), 0u);
	EXPECT_FALSE(s.source.broken());
}
