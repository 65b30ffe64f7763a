/*
 * Helpers for unit tests: a server object running in a child process
 */
#pragma once

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include <nestbox/base/rpc.h>

namespace nestbox {

template <typename SERVER>
class Server_process
{
	private:

		pid_t _pid = -1;
		Unique_fd _client_end;

	public:

		template <typename... ARGS>
		explicit Server_process(ARGS &&... args)
		{
			::signal(SIGPIPE, SIG_IGN);
			auto pair = Channel::create();
			int sv[2] = { pair->first.release(), pair->second.release() };
			_pid = ::fork();
			if (_pid == 0) {
				::close(sv[1]);
				Entrypoint ep;
				SERVER server(ep, args...);
				ep.adopt(Unique_fd(sv[0]), server);
				ep.run();
				::_exit(0);
			}
			::close(sv[0]);
			_client_end.reset(sv[1]);
		}

		~Server_process() { kill(); }

		Capability<typename SERVER::Interface_type> take_cap()
		{
			return Capability<typename SERVER::Interface_type>(std::move(_client_end));
		}

		void kill()
		{
			if (_pid <= 0) return;
			::kill(_pid, SIGKILL);
			::waitpid(_pid, nullptr, 0);
			_pid = -1;
		}
};

} /* namespace nestbox */
