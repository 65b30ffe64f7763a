/*
 * The listening socket core hands over (<host><tcp listen address/>)
 *
 * The component cannot bind sockets itself: core binds and listens in the
 * host's network namespace and passes the socket as a descriptor. The
 * listener accepts connections on it and hands each to 'Main'.
 */
#pragma once

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <string>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <nestbox/base/entrypoint.h>
#include <nestbox/log.h>
#include <nestbox/util/rate_limited_warning.h>

namespace Vnc {

	/* "ADDRESS:PORT" of a socket's own or its peer's end, and whether that is loopback */
	struct Endpoint
	{
		std::string text { };
		bool        loopback = false;

		static Endpoint of(int fd, bool peer)
		{
			sockaddr_storage ss { };
			socklen_t len = sizeof(ss);
			int const r = peer ? ::getpeername(fd, reinterpret_cast<sockaddr *>(&ss), &len)
			                   : ::getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len);
			if (r < 0) return { "?", false };

			char addr[INET6_ADDRSTRLEN] = "?";
			if (ss.ss_family == AF_INET) {
				auto const &in = reinterpret_cast<sockaddr_in const &>(ss);
				::inet_ntop(AF_INET, &in.sin_addr, addr, sizeof(addr));
				bool const loop = (ntohl(in.sin_addr.s_addr) >> 24) == 127;
				return { std::string(addr) + ":" + std::to_string(ntohs(in.sin_port)), loop };
			}
			if (ss.ss_family == AF_INET6) {
				auto const &in6 = reinterpret_cast<sockaddr_in6 const &>(ss);
				::inet_ntop(AF_INET6, &in6.sin6_addr, addr, sizeof(addr));
				bool const loop = IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr);
				return { "[" + std::string(addr) + "]:" + std::to_string(ntohs(in6.sin6_port)), loop };
			}
			return { "?", false };
		}
	};

	/*
	 * Whether to serve on a socket bound to 'local': off loopback only when
	 * the config says so, so that a grant of "0.0.0.0" by mistake does not
	 * put the desktop on the network
	 */
	inline bool may_serve(Endpoint const &local, bool loopback_only) { return local.loopback || !loopback_only; }

	class Listener : nestbox::Io_handler
	{
		private:

			nestbox::Entrypoint &_ep;
			int const            _fd;

			std::function<void(int fd)> _accepted;

			/* accept fails again at once while its cause lasts (no descriptors left): not a line each time */
			nestbox::Rate_limited_warning _accept_warning { };

			void handle_io(uint32_t) override
			{
				for (;;) {
					int const fd = ::accept4(_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
					if (fd < 0) {
						if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
							_accept_warning("accept: ", std::strerror(errno));
						return;
					}
					/* updates are written whole: sending them at once keeps latency low */
					int const one = 1;
					(void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					_accepted(fd);
				}
			}

		public:

			Listener(nestbox::Entrypoint &ep, int fd, std::function<void(int)> accepted)
			: _ep(ep), _fd(fd), _accepted(std::move(accepted))
			{
				/* non-blocking, so that a connection gone before accept cannot block us */
				(void)::fcntl(_fd, F_SETFL, ::fcntl(_fd, F_GETFL) | O_NONBLOCK);
				_ep.watch(_fd, *this, EPOLLIN);
			}

			~Listener() { _ep.unwatch(_fd); }

			Listener(Listener const &) = delete;
	};
}
