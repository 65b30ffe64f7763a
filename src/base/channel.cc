/*
 * SOCK_SEQPACKET channels: one message per call, capabilities via SCM_RIGHTS
 */

#include <nestbox/base/message.h>

#include <cerrno>
#include <sys/socket.h>

using namespace nestbox;

Result<std::pair<Unique_fd, Unique_fd>> Channel::create()
{
	int sv[2];
	if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return failure(errno == EMFILE || errno == ENFILE ? Error::OUT_OF_CAPS : Error::IO_ERROR);
	return std::pair { Unique_fd(sv[0]), Unique_fd(sv[1]) };
}

Result<void> Channel::send_raw(int fd, uint8_t const *data, size_t len,
                               int const *fds, unsigned num_fds, bool nonblock)
{
	iovec iov { const_cast<uint8_t *>(data), len };
	msghdr msg { };
	msg.msg_iov    = &iov;
	msg.msg_iovlen = 1;

	alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * MAX_MSG_CAPS)];
	if (num_fds) {
		msg.msg_control    = control;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * num_fds);
		cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type  = SCM_RIGHTS;
		c->cmsg_len   = CMSG_LEN(sizeof(int) * num_fds);
		int *out = reinterpret_cast<int *>(CMSG_DATA(c));
		for (unsigned i = 0; i < num_fds; i++)
			out[i] = fds[i];
	}

	/* plain send where no capability travels: the common, cheaper path */
	int const flags = MSG_NOSIGNAL | (nonblock ? MSG_DONTWAIT : 0);
	ssize_t n;
	do {
		n = num_fds ? ::sendmsg(fd, &msg, flags) : ::send(fd, data, len, flags);
	} while (n < 0 && errno == EINTR);

	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) return failure(Error::UNAVAILABLE);

		/* descriptors in flight beyond the sender's RLIMIT_NOFILE */
		if (errno == ETOOMANYREFS) return failure(Error::OUT_OF_CAPS);
		return failure((errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN)
		               ? Error::PEER_DEAD : Error::IO_ERROR);
	}
	return { };
}


static Result<void> send_writer(int fd, Msg_writer &w, bool nonblock)
{
	if (w.overflow())
		return failure(Error::INVALID_ARGS);

	int fds[MAX_MSG_CAPS];
	for (unsigned i = 0; i < w.num_caps(); i++)
		fds[i] = w.cap_fd(i);

	auto sent = Channel::send_raw(fd, w.data(), w.size(), fds, w.num_caps(), nonblock);

	/* a message the socket did not take keeps its capabilities for a later try */
	if (sent || sent.error() != Error::UNAVAILABLE)
		w.release_caps();
	return sent;
}


Result<void> Channel::send(int fd, Msg_writer &w) { return send_writer(fd, w, false); }


Result<void> Channel::send_nonblocking(int fd, Msg_writer &w) { return send_writer(fd, w, true); }


Result<void> Channel::receive(int fd, Msg_reader &r, bool nonblock)
{
	r.reset();

	iovec iov { r._buf.data(), r._buf.size() };
	msghdr msg { };
	msg.msg_iov    = &iov;
	msg.msg_iovlen = 1;
	alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * MAX_MSG_CAPS)];
	msg.msg_control    = control;
	msg.msg_controllen = sizeof(control);

	ssize_t n;
	do {
		n = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | (nonblock ? MSG_DONTWAIT : 0));
	} while (n < 0 && errno == EINTR);

	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) return failure(Error::UNAVAILABLE);
		if (errno == ECONNRESET || errno == ENOTCONN) return failure(Error::PEER_DEAD);
		return failure(Error::IO_ERROR);
	}
	if (n == 0)
		return failure(Error::PEER_DEAD);

	/* take ownership of every passed descriptor first, so none can leak */
	for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
		size_t const count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int const *fds = reinterpret_cast<int const *>(CMSG_DATA(c));
		for (size_t i = 0; i < count; i++) {
			if (r._num_caps < MAX_MSG_CAPS) r._caps[r._num_caps++].reset(fds[i]);
			else { ::close(fds[i]); r._failed = true; }
		}
	}

	r._len = size_t(n);
	if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || r._len < sizeof(Msg_header))
		r._failed = true;

	/* the kernel drops passed descriptors the receiver has no room for */
	if (msg.msg_flags & MSG_CTRUNC)
		r._caps_lost = true;

	return { };
}
