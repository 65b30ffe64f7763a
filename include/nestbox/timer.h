/*
 * Timer connection with a blocking sleep for simple components
 */
#pragma once

#include <cerrno>
#include <fcntl.h>
#include <poll.h>

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
		void msleep(uint64_t ms)
		{
			int fds[2];
			if (::pipe2(fds, O_CLOEXEC) < 0) return;
			Unique_fd read_end(fds[0]);
			(void)Timer::Client::sigh(Signal_context_capability(Unique_fd(fds[1])));
			(void)trigger_once(ms * 1000);
			pollfd p { read_end.get(), POLLIN, 0 };
			while (::poll(&p, 1, -1) < 0 && errno == EINTR) { }
			(void)Timer::Client::sigh(_user_sigh.copy());
		}
};

} /* namespace nestbox::Timer */
