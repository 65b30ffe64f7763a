/*
 * Sync signals for a driver that no display paces: 60 a second, while a
 * Framebuffer session asked for them
 *
 * The timer runs only then: an idle display wakes nobody. Shared by
 * fb_headless and vnc (fb_sdl paces by its window's refresh instead).
 */
#pragma once

#include <nestbox/timer.h>

#include <nestbox/fb_driver/framebuffer.h>

namespace Fb_driver { class Sync_timer; }


class Fb_driver::Sync_timer
{
	private:

		static constexpr uint64_t PERIOD_US = 1000000 / 60;

		Framebuffer_root  &_root;
		bool const        &_verbose;
		Timer::Connection  _timer;
		bool               _running = false;

		Signal_handler<Sync_timer> _handler;

		void _tick() { if (_running) _root.notify_sync(); }

	public:

		Sync_timer(Env &env, Framebuffer_root &root, bool const &verbose)
		: _root(root), _verbose(verbose), _timer(env), _handler(env.ep(), *this, &Sync_timer::_tick)
		{
			(void)_timer.sigh(_handler.cap());
		}

		/* A session registered or dropped its sync signal (Sync_control::sync_sighs_changed) */
		void sessions_changed()
		{
			bool const wanted = _root.any_wants_sync();
			if (wanted == _running) return;
			_running = wanted;
			(void)_timer.trigger_periodic(wanted ? PERIOD_US : 0);
			if (_verbose) log(wanted ? "sync signals started" : "sync signals stopped");
		}
};
