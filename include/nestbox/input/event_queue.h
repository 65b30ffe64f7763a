/*
 * The server side of an Input session: a bounded event queue per client
 *
 * 'Event_queue' holds the events not yet flushed. It is bounded, so a
 * client that does not keep up costs its server a fixed amount of memory:
 * when it is full, the oldest event goes (and is counted, for servers that
 * say so). With 'merge_motion', an absolute motion that follows another one
 * replaces it while no button or key is held, so a slow client loses
 * intermediate pointer positions of mere hovering before it loses anything
 * else; the positions of a stroke or drag (a button held) all stay, unless
 * the queue is full.
 *
 * 'Queue_session' is an Input session over such a queue and the client's
 * event buffer. It signals when events become pending (once per batch: a
 * client flushes until nothing is left) and again after a flush that left
 * events behind.
 */
#pragma once

#include <cstddef>
#include <deque>
#include <span>

#include <nestbox/base/dataspace.h>
#include <nestbox/base/rpc.h>
#include <nestbox/base/signal.h>
#include <nestbox/session/input.h>

namespace nestbox::Input {

	class Event_queue;
	class Queue_session;
}


class nestbox::Input::Event_queue
{
	public:

		struct Policy
		{
			size_t capacity;       /* events held at most */
			bool   merge_motion;   /* consecutive ABS_MOTION events become the latest (no button held) */
		};

	private:

		Policy            _policy;
		std::deque<Event> _events  { };
		size_t            _dropped = 0;
		unsigned          _held    = 0;   /* buttons and keys pressed and not yet released */

	public:

		explicit Event_queue(Policy policy) : _policy(policy) { }

		/* Queue 'e'; returns whether the queue was empty before (a signal is due) */
		bool add(Event const &e);

		bool   empty() const { return _events.empty(); }
		size_t size()  const { return _events.size(); }

		/* Move the oldest events, at most 'dst.size()', into 'dst'; returns their number */
		size_t take(std::span<Event> dst);

		/* How many events were dropped since the last 'take_dropped' */
		size_t dropped() const { return _dropped; }

		/* How many events were dropped since the last call */
		size_t take_dropped() { size_t const n = _dropped; _dropped = 0; return n; }
};


class nestbox::Input::Queue_session : public Rpc_object<Session>
{
	private:

		Attached_dataspace        _buffer;
		Event_queue               _queue;
		Signal_context_capability _sigh { };

	public:

		/* 'buffer' is the dataspace the client maps (EVENT_BUFFER_SIZE bytes) */
		Queue_session(Attached_dataspace &&buffer, Event_queue &&queue)
		: _buffer(std::move(buffer)), _queue(std::move(queue)) { }

		Queue_session(Queue_session const &) = delete;

		Attached_dataspace &buffer() { return _buffer; }
		Event_queue        &queue()  { return _queue; }

		void submit(Event const &e) { submit(std::span<Event const>(&e, 1)); }
		void submit(std::span<Event const> batch);

		/* Input::Session */
		Result<Dataspace_capability> dataspace() override { return _buffer.cap().copy(); }
		bool     pending() override { return !_queue.empty(); }
		uint32_t flush() override;
		void     sigh(Signal_context_capability) override;
};
