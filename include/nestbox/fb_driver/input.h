/*
 * Input service: the injected events, delivered to every open session
 *
 * Events injected while no session is open are kept for the first one, so
 * a test need not know whether its client has connected yet. Queues are
 * bounded: a client that never flushes loses the oldest events, and a
 * warning says so, instead of growing the driver without limit. The
 * warning is rate-limited (one line a second with a count): a viewer's
 * pointer flood must not turn into a flood of log lines.
 */
#pragma once

#include <span>

#include <nestbox/base/signal.h>
#include <nestbox/input/event_queue.h>
#include <nestbox/log.h>
#include <nestbox/root_component.h>
#include <nestbox/session/input.h>
#include <nestbox/util/rate_limited_warning.h>

namespace Fb_driver {

	using namespace nestbox;

	class Input_session;
	class Input_root;
}


class Fb_driver::Input_session : public Input::Queue_session
{
	private:

		Pd::Client &_pd;

		Rate_limited_warning _dropped_warning { };

	public:

		enum : size_t { MAX_QUEUED = 1024 };

		/* A driver's queue: events in the order they happened, nothing merged */
		static Input::Event_queue empty_queue()
		{
			return Input::Event_queue({ .capacity = MAX_QUEUED, .merge_motion = false });
		}

		/*
		 * A queue that had to drop events says so, at most once a second:
		 * the count taken covers every event dropped since the last line
		 */
		static void warn_dropped(Input::Event_queue &queue, Rate_limited_warning &limiter)
		{
			if (queue.dropped() && limiter.due(monotonic_ms()))
				limiter("input queue full, dropped the ", queue.take_dropped(), " oldest events");
		}

		/* 'initial': the events injected before the session existed */
		Input_session(Pd::Client &pd, Attached_dataspace &&buffer, Input::Event_queue &&initial)
		: Queue_session(std::move(buffer), std::move(initial)), _pd(pd) { }

		~Input_session() { (void)_pd.free(buffer().cap().copy()); }

		void submit(std::span<Input::Event const> batch)
		{
			Queue_session::submit(batch);
			warn_dropped(queue(), _dropped_warning);
		}
};


class Fb_driver::Input_root : public Root_component<Input_session>
{
	private:

		Pd::Client        &_pd;
		Input::Event_queue _unclaimed = Input_session::empty_queue();   /* injected while no session was open */
		Rate_limited_warning _unclaimed_warning { };

		Result<std::unique_ptr<Input_session>> _create_session(std::string_view) override
		{
			auto ds = _pd.alloc(Input::EVENT_BUFFER_SIZE);
			if (!ds) return failure(ds.error());

			Attached_dataspace buffer(ds->copy());
			if (!buffer.valid()) {
				(void)_pd.free(std::move(*ds));
				return failure(Error::OUT_OF_RAM);
			}

			Input::Event_queue initial = std::move(_unclaimed);
			_unclaimed = Input_session::empty_queue();
			return std::make_unique<Input_session>(_pd, std::move(buffer), std::move(initial));
		}

	public:

		Input_root(Entrypoint &ep, Pd::Client &pd) : Root_component(ep), _pd(pd) { }

		void submit(std::span<Input::Event const> batch)
		{
			if (num_sessions() == 0) {
				for (Input::Event const &e : batch) _unclaimed.add(e);
				Input_session::warn_dropped(_unclaimed, _unclaimed_warning);
				return;
			}
			for_each_session([&] (Input_session &s) { s.submit(batch); });
		}
};
