/*
 * Input service: the injected events, delivered to every open session
 *
 * Events injected while no session is open are kept for the first one, so
 * a test need not know whether its client has connected yet. Queues are
 * bounded: a client that never flushes loses the oldest events, and a
 * warning says so, instead of growing the driver without limit.
 */
#pragma once

#include <cstring>
#include <deque>
#include <span>

#include <nestbox/base/signal.h>
#include <nestbox/root_component.h>
#include <nestbox/session/input.h>

namespace Fb_driver {

	using namespace nestbox;

	struct Event_queue;
	class  Input_session;
	class  Input_root;
}


struct Fb_driver::Event_queue
{
	enum : size_t { MAX_QUEUED = 1024 };

	std::deque<Input::Event> events { };
	size_t                   dropped = 0;

	void add(std::span<Input::Event const> batch)
	{
		for (Input::Event const &e : batch) {
			if (events.size() == MAX_QUEUED) { events.pop_front(); dropped++; }
			events.push_back(e);
		}
		if (dropped) {
			warning("input queue full, dropped the ", dropped, " oldest events");
			dropped = 0;
		}
	}
};


class Fb_driver::Input_session : public Rpc_object<Input::Session>
{
	private:

		Pd::Client               &_pd;
		Attached_dataspace        _buffer;
		Event_queue               _queue { };
		Signal_context_capability _sigh { };

	public:

		Input_session(Pd::Client &pd, Attached_dataspace &&buffer, Event_queue &&initial)
		: _pd(pd), _buffer(std::move(buffer)), _queue(std::move(initial)) { }

		~Input_session() { (void)_pd.free(_buffer.cap().copy()); }

		Input_session(Input_session const &) = delete;

		void submit(std::span<Input::Event const> batch)
		{
			if (batch.empty()) return;
			_queue.add(batch);
			if (_sigh.valid()) Signal_transmitter::submit(_sigh);
		}

		Result<Dataspace_capability> dataspace() override { return _buffer.cap().copy(); }

		bool pending() override { return !_queue.events.empty(); }

		uint32_t flush() override
		{
			size_t const n = std::min<size_t>(_queue.events.size(), Input::MAX_EVENTS);
			auto *dst = _buffer.local_addr<Input::Event>();
			for (size_t i = 0; i < n; i++) dst[i] = _queue.events[i];
			_queue.events.erase(_queue.events.begin(), _queue.events.begin() + ptrdiff_t(n));

			/* more than a buffer full: the client is told to come back */
			if (!_queue.events.empty() && _sigh.valid()) Signal_transmitter::submit(_sigh);
			return uint32_t(n);
		}

		/* events that arrived before the handler did are announced at once */
		void sigh(Signal_context_capability sigh) override
		{
			_sigh = std::move(sigh);
			if (_sigh.valid() && pending()) Signal_transmitter::submit(_sigh);
		}
};


class Fb_driver::Input_root : public Root_component<Input_session>
{
	private:

		Pd::Client &_pd;
		Event_queue _unclaimed { };   /* injected while no session was open */

		Result<std::unique_ptr<Input_session>> _create_session(std::string_view) override
		{
			auto ds = _pd.alloc(Input::EVENT_BUFFER_SIZE);
			if (!ds) return failure(ds.error());

			Attached_dataspace buffer(ds->copy());
			if (!buffer.valid()) {
				(void)_pd.free(std::move(*ds));
				return failure(Error::OUT_OF_RAM);
			}

			Event_queue initial = std::move(_unclaimed);
			_unclaimed = { };
			return std::make_unique<Input_session>(_pd, std::move(buffer), std::move(initial));
		}

	public:

		Input_root(Entrypoint &ep, Pd::Client &pd) : Root_component(ep), _pd(pd) { }

		void submit(std::span<Input::Event const> batch)
		{
			if (num_sessions() == 0) { _unclaimed.add(batch); return; }
			for_each_session([&] (Input_session &s) { s.submit(batch); });
		}
};
