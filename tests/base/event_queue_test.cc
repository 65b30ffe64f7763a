/*
 * Input event queue: bounded, merging motion on request, and the Input
 * session over it (what a flush delivers, when the client is signalled)
 */

#include <gtest/gtest.h>

#include <vector>

#include <nestbox/base/entrypoint.h>
#include <nestbox/input/event_queue.h>

using namespace nestbox;
using Input::Event;
using Input::Event_queue;

namespace {

	Event press(uint32_t code)    { return Event { Event::PRESS, code, 0, 0, 0 }; }
	Event release(uint32_t code)  { return Event { Event::RELEASE, code, 0, 0, 0 }; }
	Event motion(int32_t x)       { return Event { Event::ABS_MOTION, 0, x, 0, 0 }; }
	Event rel_motion(int32_t x)   { return Event { Event::REL_MOTION, 0, x, 0, 0 }; }

	std::vector<Event> take_all(Event_queue &q)
	{
		std::vector<Event> out(q.size());
		out.resize(q.take(out));
		return out;
	}

	struct Receiver
	{
		unsigned calls = 0, counted = 0;
		void handle(unsigned n) { calls++; counted += n; }
		Signal_handler<Receiver> handler;
		explicit Receiver(Entrypoint &ep) : handler(ep, *this, &Receiver::handle) { }
	};

	/* Dispatch what is pending now: the submissions happened before */
	void dispatch_pending(Entrypoint &ep) { while (ep.dispatch_once(0)) { } }

	Attached_dataspace event_buffer()
	{
		auto ds = create_dataspace(Input::EVENT_BUFFER_SIZE, "events");
		return ds ? Attached_dataspace(std::move(*ds)) : Attached_dataspace();
	}
}


TEST(Event_queue, a_full_queue_drops_the_oldest_and_counts_them)
{
	Event_queue q({ .capacity = 3, .merge_motion = false });

	EXPECT_TRUE(q.add(press(1)));    /* empty before: a signal is due */
	EXPECT_FALSE(q.add(press(2)));
	EXPECT_FALSE(q.add(press(3)));
	EXPECT_EQ(q.take_dropped(), 0u);

	q.add(press(4));
	q.add(press(5));
	EXPECT_EQ(q.size(), 3u);
	EXPECT_EQ(q.take_dropped(), 2u);
	EXPECT_EQ(q.take_dropped(), 0u);   /* counted once */

	auto const events = take_all(q);
	ASSERT_EQ(events.size(), 3u);
	EXPECT_EQ(events[0].code, 3u);
	EXPECT_EQ(events[2].code, 5u);
	EXPECT_TRUE(q.empty());
}


TEST(Event_queue, merges_consecutive_absolute_motion_only_when_asked)
{
	Event_queue merging({ .capacity = 8, .merge_motion = true });
	merging.add(motion(1));
	EXPECT_FALSE(merging.add(motion(2)));
	merging.add(motion(3));
	merging.add(press(7));
	merging.add(motion(4));          /* a press in between: not merged across it */
	merging.add(rel_motion(5));      /* relative motion is never merged */
	merging.add(rel_motion(6));

	auto const m = take_all(merging);
	ASSERT_EQ(m.size(), 5u);
	EXPECT_EQ(m[0].x, 3);
	EXPECT_EQ(m[1].code, 7u);
	EXPECT_EQ(m[2].x, 4);
	EXPECT_EQ(m[3].x, 5);
	EXPECT_EQ(m[4].x, 6);

	Event_queue plain({ .capacity = 8, .merge_motion = false });
	plain.add(motion(1));
	plain.add(motion(2));
	EXPECT_EQ(plain.size(), 2u);
}


TEST(Event_queue, a_full_merging_queue_still_merges_instead_of_dropping)
{
	Event_queue q({ .capacity = 2, .merge_motion = true });
	q.add(press(1));
	q.add(motion(1));
	for (int32_t x = 2; x < 100; x++) q.add(motion(x));

	/* even with the button held: merging loses less than dropping the press */
	EXPECT_EQ(q.take_dropped(), 0u);
	auto const events = take_all(q);
	ASSERT_EQ(events.size(), 2u);
	EXPECT_EQ(events[0].code, 1u);
	EXPECT_EQ(events[1].x, 99);
}


TEST(Event_queue, keeps_every_position_while_a_button_is_held)
{
	Event_queue q({ .capacity = 16, .merge_motion = true });
	q.add(motion(1));
	q.add(motion(2));             /* hovering: supersedes 1 */
	q.add(press(7));
	q.add(motion(3));             /* a stroke: 3, 4 and 5 all stay */
	q.add(motion(4));
	q.add(motion(5));
	q.add(release(7));
	q.add(motion(6));             /* hovering again: 7 supersedes 6 */
	q.add(motion(7));

	auto const e = take_all(q);
	ASSERT_EQ(e.size(), 7u);
	EXPECT_EQ(e[0].x, 2);
	EXPECT_EQ(e[1].type, Event::PRESS);
	EXPECT_EQ(e[2].x, 3);
	EXPECT_EQ(e[3].x, 4);
	EXPECT_EQ(e[4].x, 5);
	EXPECT_EQ(e[5].type, Event::RELEASE);
	EXPECT_EQ(e[6].x, 7);
}


TEST(Event_queue, take_moves_at_most_what_fits_oldest_first)
{
	Event_queue q({ .capacity = 10, .merge_motion = false });
	for (uint32_t i = 0; i < 5; i++) q.add(press(i));

	Event dst[2];
	EXPECT_EQ(q.take(dst), 2u);
	EXPECT_EQ(dst[0].code, 0u);
	EXPECT_EQ(dst[1].code, 1u);
	EXPECT_EQ(q.size(), 3u);
	EXPECT_EQ(q.take(std::span<Event>()), 0u);
	EXPECT_EQ(q.size(), 3u);
}


TEST(Event_queue, capacity_zero_still_keeps_the_latest_event)
{
	Event_queue q({ .capacity = 0, .merge_motion = false });
	q.add(press(1));
	q.add(press(2));
	auto const events = take_all(q);
	ASSERT_EQ(events.size(), 1u);
	EXPECT_EQ(events[0].code, 2u);
}


TEST(Input_queue_session, flush_fills_the_buffer_and_signals_once_per_batch)
{
	Entrypoint ep;
	Receiver recv(ep);

	Attached_dataspace buffer = event_buffer();
	ASSERT_TRUE(buffer.valid());
	Input::Queue_session session(std::move(buffer), Event_queue({ .capacity = 1024, .merge_motion = false }));

	/* events before the handler: announced as soon as it comes */
	session.submit(press(1));
	EXPECT_TRUE(session.pending());
	session.sigh(recv.handler.cap());
	dispatch_pending(ep);
	EXPECT_EQ(recv.counted, 1u);

	/* more events while some are pending: no further signal */
	session.submit(press(2));
	Event const batch[] = { press(3), press(4) };
	session.submit(batch);
	dispatch_pending(ep);
	EXPECT_EQ(recv.counted, 1u);

	EXPECT_EQ(session.flush(), 4u);
	Event const *delivered = session.buffer().local_addr<Event const>();
	EXPECT_EQ(delivered[0].code, 1u);
	EXPECT_EQ(delivered[3].code, 4u);
	EXPECT_FALSE(session.pending());
	dispatch_pending(ep);
	EXPECT_EQ(recv.counted, 1u);   /* nothing left: no signal */

	/* the next batch into the empty queue is signalled again */
	session.submit(press(5));
	dispatch_pending(ep);
	EXPECT_EQ(recv.counted, 2u);
}


TEST(Input_queue_session, a_flush_that_leaves_events_behind_signals_again)
{
	Entrypoint ep;
	Receiver recv(ep);

	Input::Queue_session session(event_buffer(), Event_queue({ .capacity = 1024, .merge_motion = false }));
	session.sigh(recv.handler.cap());

	std::vector<Event> many;
	for (uint32_t i = 0; i < Input::MAX_EVENTS + 10; i++) many.push_back(press(i));
	session.submit(many);
	dispatch_pending(ep);
	EXPECT_EQ(recv.counted, 1u);

	EXPECT_EQ(session.flush(), uint32_t(Input::MAX_EVENTS));
	EXPECT_TRUE(session.pending());
	dispatch_pending(ep);
	EXPECT_EQ(recv.counted, 2u);

	EXPECT_EQ(session.flush(), 10u);
	EXPECT_EQ(session.buffer().local_addr<Event const>()[0].code, uint32_t(Input::MAX_EVENTS));
	dispatch_pending(ep);
	EXPECT_EQ(recv.counted, 2u);
}


TEST(Input_queue_session, without_a_buffer_nothing_is_flushed)
{
	Input::Queue_session session(Attached_dataspace(), Event_queue({ .capacity = 4, .merge_motion = false }));
	session.submit(press(1));
	EXPECT_EQ(session.flush(), 0u);
	EXPECT_TRUE(session.pending());
}
