/*
 * The Input sub-session of a Gui session: the events meant for its client
 *
 * The queue is bounded, and consecutive motion events are merged into the
 * latest, so a client that does not keep up costs the server a fixed
 * amount of memory and loses nothing but intermediate pointer positions
 * (or, beyond that, the oldest events).
 */
#pragma once

#include <deque>

#include <nestbox/base/dataspace.h>
#include <nestbox/base/rpc.h>
#include <nestbox/base/signal.h>
#include <nestbox/session/input.h>

namespace Gui_server {

	using namespace nestbox;

	class Event_queue_session;
}


class Gui_server::Event_queue_session : public Rpc_object<Input::Session>
{
	public:

		enum : size_t { MAX_QUEUED = 512 };

	private:

		Attached_dataspace        _buffer;
		std::deque<Input::Event>  _queue  { };
		Signal_context_capability _sigh   { };

		static bool _motion(Input::Event const &e)
		{
			return e.type == Input::Event::ABS_MOTION;
		}

	public:

		/* 'buffer' holds EVENT_BUFFER_SIZE bytes at least */
		explicit Event_queue_session(Attached_dataspace &&buffer) : _buffer(std::move(buffer)) { }

		Event_queue_session(Event_queue_session const &) = delete;

		Attached_dataspace &buffer() { return _buffer; }

		void submit(Input::Event const &e)
		{
			bool const was_empty = _queue.empty();

			if (_motion(e) && !_queue.empty() && _motion(_queue.back())) {
				_queue.back() = e;
				return;
			}
			if (_queue.size() == MAX_QUEUED) _queue.pop_front();
			_queue.push_back(e);

			/* one signal per batch: the client flushes until nothing is left */
			if (was_empty && _sigh.valid()) Signal_transmitter::submit(_sigh);
		}

		Result<Dataspace_capability> dataspace() override { return _buffer.cap().copy(); }

		bool pending() override { return !_queue.empty(); }

		uint32_t flush() override
		{
			size_t const capacity = std::min<size_t>(_buffer.size() / sizeof(Input::Event), Input::MAX_EVENTS);
			size_t const n = std::min(_queue.size(), capacity);

			auto *dst = _buffer.local_addr<Input::Event>();
			for (size_t i = 0; i < n; i++) dst[i] = _queue[i];
			_queue.erase(_queue.begin(), _queue.begin() + ptrdiff_t(n));

			if (!_queue.empty() && _sigh.valid()) Signal_transmitter::submit(_sigh);
			return uint32_t(n);
		}

		void sigh(Signal_context_capability sigh) override
		{
			_sigh = std::move(sigh);
			if (_sigh.valid() && pending()) Signal_transmitter::submit(_sigh);
		}
};
