/*
 * Signals over pipes
 *
 * The receiver keeps the read end; submitters hold the write end, which can
 * only write. A submission is one byte written with RWF_NOWAIT, so it never
 * blocks, whatever flags a hostile holder set on the shared file description,
 * and whatever descriptor a client passed off as a signal capability. A full
 * pipe means the receiver will wake anyway: the signal is coalesced.
 */

#include <nestbox/base/signal.h>

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

using namespace nestbox;

static void submit_to(int fd)
{
	char one = 1;
	iovec iov { &one, 1 };
	trace::signal_submit(uint64_t(fd));
	ssize_t n;
	do { n = ::pwritev2(fd, &iov, 1, -1, RWF_NOWAIT); } while (n < 0 && errno == EINTR);

	/* a kernel without RWF_NOWAIT for this file: write only if it cannot block */
	if (n < 0 && errno == EOPNOTSUPP) {
		int const flags = ::fcntl(fd, F_GETFL);
		if (flags >= 0 && (flags & O_NONBLOCK)) (void)!::write(fd, &one, 1);
	}
}


void Signal_transmitter::submit(Signal_context_capability const &cap)
{
	if (cap.valid()) submit_to(cap.fd());
}


Result<Signal_pair> Signal_pair::create()
{
	int fds[2];
	if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return failure(errno == EMFILE || errno == ENFILE ? Error::OUT_OF_CAPS : Error::IO_ERROR);
	Signal_pair p;
	p.receive_end.reset(fds[0]);
	p.submit_end.reset(fds[1]);
	return p;
}


unsigned Signal_pair::drain(int receive_end)
{
	char buf[256];
	unsigned count = 0;
	for (;;) {
		ssize_t const n = ::read(receive_end, buf, sizeof(buf));
		if (n > 0) { count += unsigned(n); if (size_t(n) < sizeof(buf)) break; continue; }
		if (n < 0 && errno == EINTR) continue;
		break;
	}
	return count;
}


Signal_context_capability Signal_pair::cap() const
{
	if (!submit_end.valid()) return { };
	return Signal_context_capability(Unique_fd(::fcntl(submit_end.get(), F_DUPFD_CLOEXEC, 0)));
}


void Signal_pair::wait() const
{
	pollfd p { receive_end.get(), POLLIN, 0 };
	while (::poll(&p, 1, -1) < 0 && errno == EINTR) { }
	drain(receive_end.get());
}


Signal_handler_base::Signal_handler_base(Entrypoint &ep) : _ep(ep)
{
	if (auto pair = Signal_pair::create()) {
		_pair = std::move(*pair);
		_ep.watch(_pair.receive_end.get(), *this, EPOLLIN);
	}
}


Signal_handler_base::~Signal_handler_base()
{
	if (_pair.receive_end.valid()) _ep.unwatch(_pair.receive_end.get());
}


Signal_context_capability Signal_handler_base::cap() const { return _pair.cap(); }


/* Straight into our own pipe: no copy of the capability (two more system calls) */
void Signal_handler_base::local_submit()
{
	if (_pair.submit_end.valid()) submit_to(_pair.submit_end.get());
}


void Signal_handler_base::handle_io(uint32_t)
{
	/* everything submitted so far: one dispatch covers them all */
	unsigned const count = Signal_pair::drain(_pair.receive_end.get());
	if (!count) return;
	_last_count = count;
	trace::signal_receive(uint64_t(_pair.receive_end.get()), count);
	_dispatch(count);
}
