/*
 * Signals over pipes
 */

#include <nestbox/base/signal.h>

#include <cerrno>
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

using namespace nestbox;

void Signal_transmitter::submit(Signal_context_capability const &cap)
{
	if (!cap.valid()) return;
	char const one = 1;
	trace::signal_submit(uint64_t(cap.fd()));
	ssize_t n;
	do { n = ::write(cap.fd(), &one, 1); } while (n < 0 && errno == EINTR);
	/* EAGAIN: the pipe is full, so the receiver will wake anyway (coalesced);
	 * EPIPE: the receiver is gone, nothing to notify */
}


Signal_handler_base::Signal_handler_base(Entrypoint &ep) : _ep(ep)
{
	int fds[2];
	if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
		_read_end.reset(fds[0]);
		_write_end.reset(fds[1]);
		_ep.watch(_read_end.get(), *this, EPOLLIN);
	}
}


Signal_handler_base::~Signal_handler_base()
{
	if (_read_end.valid()) _ep.unwatch(_read_end.get());
}


Signal_context_capability Signal_handler_base::cap() const
{
	if (!_write_end.valid()) return { };
	return Signal_context_capability(Unique_fd(::fcntl(_write_end.get(), F_DUPFD_CLOEXEC, 0)));
}


void Signal_handler_base::local_submit()
{
	char const one = 1;
	(void)!::write(_write_end.get(), &one, 1);
}


void Signal_handler_base::handle_io(uint32_t)
{
	/* drain everything submitted so far: one dispatch covers them all */
	char buf[256];
	unsigned count = 0;
	for (;;) {
		ssize_t const n = ::read(_read_end.get(), buf, sizeof(buf));
		if (n > 0) { count += unsigned(n); if (size_t(n) < sizeof(buf)) break; continue; }
		if (n < 0 && errno == EINTR) continue;
		break;
	}
	if (!count) return;
	_last_count = count;
	trace::signal_receive(uint64_t(_read_end.get()), count);
	_dispatch(count);
}
