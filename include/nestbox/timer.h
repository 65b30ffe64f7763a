/*
 * Timer connection with a blocking sleep for simple components
 */
#pragma once


#include <nestbox/base/signal.h>
#include <nestbox/connection.h>
#include <nestbox/session/timer.h>

namespace nestbox::Timer {

class Connection : public nestbox::Connection<Timer::Client>
{
	private:

		Signal_context_capability _user_sigh { };

	public:

		using nestbox::Connection<Timer::Client>::Connection;

		/* Register the handler for trigger_once/trigger_periodic */
		Result<void> sigh(Signal_context_capability &&cap)
		{
			_user_sigh = cap.copy();
			return Timer::Client::sigh(std::move(cap));
		}

		/*
		 * Block for 'ms' milliseconds. The entrypoint dispatches nothing
		 * meanwhile (like Genode's Timer::Connection::msleep).
		 */
		Result<void> msleep(uint64_t ms)
		{
			auto wakeup = Signal_pair::create();
			if (!wakeup) return failure(wakeup.error());
			if (auto r = Timer::Client::sigh(wakeup->cap()); !r) return r;
			if (auto r = trigger_once(ms * 1000); !r) return r;
			wakeup->wait();
			return Timer::Client::sigh(_user_sigh.copy());
		}
};

} /* namespace nestbox::Timer */
