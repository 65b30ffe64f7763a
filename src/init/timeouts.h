/*
 * init's one Timer session, shared by the heartbeat, the restarts and the state report
 *
 * The session is opened when a part first needs the time, so that an init
 * without <report> and <heartbeat> needs no Timer. Each part keeps its own
 * deadline; on every timer signal, each is called, in the order they were
 * registered, and the timer is then set for the earliest deadline left.
 */
#pragma once

#include <optional>
#include <vector>

#include <nestbox/env.h>
#include <nestbox/timer.h>

namespace Init {

class Timeouts
{
	public:

		struct Client
		{
			/* The time at which the client wants to be called, if any */
			virtual std::optional<uint64_t> deadline_us() const = 0;

			/* The timer fired: do what is due at 'now_us' */
			virtual void handle_timeout(uint64_t now_us) = 0;

			virtual ~Client() = default;
		};

	private:

		nestbox::Env                              &_env;
		std::optional<nestbox::Timer::Connection>  _timer { };
		nestbox::Signal_handler<Timeouts>          _handler { _env.ep(), *this, &Timeouts::_handle };
		std::vector<Client *>                      _clients { };

		void _handle();

	public:

		explicit Timeouts(nestbox::Env &env) : _env(env) { }

		void add(Client &client) { _clients.push_back(&client); }

		/* The current time; opens the Timer session on first use */
		uint64_t now_us();

		/* Set the timer for the earliest deadline (nothing without a session yet) */
		void schedule();
};

} /* namespace Init */
