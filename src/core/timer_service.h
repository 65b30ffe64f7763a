/*
 * Core's Timer service: one timerfd per session
 */
#pragma once

#include <sys/epoll.h>
#include <sys/timerfd.h>

#include <nestbox/base/signal.h>
#include <nestbox/root_component.h>
#include <nestbox/session/timer.h>
#include <nestbox/util/monotonic.h>

namespace Core {

class Timer_session_component : public nestbox::Rpc_object<nestbox::Timer::Session>,
                                private nestbox::Io_handler
{
	private:

		nestbox::Entrypoint               &_ep;
		nestbox::Unique_fd                 _timerfd { ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK) };
		nestbox::Signal_context_capability _sigh { };
		uint64_t const                     _start_us = _now_us();

		static uint64_t _now_us() { return nestbox::monotonic_us(); }

		static timespec _ts(uint64_t us)
		{
			return timespec { time_t(us / 1000000), long(us % 1000000) * 1000 };
		}

		void _arm(uint64_t first_us, uint64_t interval_us)
		{
			itimerspec spec { _ts(interval_us), _ts(first_us) };
			/* zero would disarm: the earliest timeout is one nanosecond */
			if (first_us == 0) spec.it_value.tv_nsec = 1;
			::timerfd_settime(_timerfd.get(), 0, &spec, nullptr);
		}

		void handle_io(uint32_t) override
		{
			uint64_t expirations = 0;
			if (::read(_timerfd.get(), &expirations, sizeof(expirations)) == sizeof(expirations))
				nestbox::Signal_transmitter::submit(_sigh);
		}

	public:

		explicit Timer_session_component(nestbox::Entrypoint &ep) : _ep(ep)
		{
			_ep.watch(_timerfd.get(), *this, EPOLLIN);
		}

		~Timer_session_component() { _ep.unwatch(_timerfd.get()); }

		void trigger_once(uint64_t us) override { _arm(us, 0); }

		void trigger_periodic(uint64_t us) override
		{
			if (us == 0) { itimerspec off { }; ::timerfd_settime(_timerfd.get(), 0, &off, nullptr); return; }
			/* a period below 1 ms would let a client flood core with wake-ups */
			us = std::max<uint64_t>(us, 1000);
			_arm(us, us);
		}

		void sigh(nestbox::Signal_context_capability cap) override { _sigh = std::move(cap); }

		uint64_t elapsed_us() override { return _now_us() - _start_us; }
};

struct Timer_root : nestbox::Root_component<Timer_session_component>
{
	using Root_component::Root_component;

	nestbox::Result<std::unique_ptr<Timer_session_component>> _create_session(std::string_view) override
	{
		return std::make_unique<Timer_session_component>(ep());
	}
};

} /* namespace Core */
