/*
 * Entrypoint: epoll-driven dispatch of RPC objects, signals and other I/O
 */

#include <nestbox/base/rpc.h>

#include <nestbox/log.h>
#include <nestbox/util/monotonic.h>

#include <algorithm>
#include <cerrno>
#include <sys/epoll.h>

using namespace nestbox;

Rpc_object_base::~Rpc_object_base()
{
	if (_ep) _ep->dissolve(*this);
}


void Deferred_reply::send(std::function<void(Msg_writer &)> const &fill)
{
	std::shared_ptr<Channel_binding> b = _binding.lock();
	if (!b) return;

	thread_local Msg_writer w;
	w.reset();
	w.header() = Msg_header { _call_id, 0, 0 };
	fill(w);
	trace::rpc_reply(_call_id, 0);
	b->ep._send_reply(b, w);
	_binding.reset();
}


void Channel_binding::handle_io(uint32_t)
{
	int const fd = server_end.get();
	if (dropped || fd < 0) return;

	if (throttled) {
		/* only writability is watched: drain, then listen again */
		auto flushed = replies.flush(fd);
		if (!flushed) { ep._remove_binding(fd); return; }
		if (*flushed) ep._unthrottle(*this);
		return;
	}

	thread_local Msg_reader r;
	auto received = Channel::receive(fd, r, true);
	if (!received) {
		if (received.error() != Error::UNAVAILABLE)
			ep._remove_binding(fd);
		return;
	}
	ep._dispatch_request(*this, r);
}


void Entrypoint::_send_reply(std::shared_ptr<Channel_binding> const &b, Msg_writer &w)
{
	if (!b->server_end.valid() || b->dropped) return;

	auto sent = b->replies.send(b->server_end.get(), w);
	if (sent) {
		if (*sent == Send_queue::Sent::QUEUED && !b->throttled) _throttle(*b);
		return;
	}

	/*
	 * A reply whose capabilities cannot travel (too many descriptors in
	 * flight) becomes an error reply: the caller must not wait forever.
	 */
	if (sent.error() == Error::OUT_OF_CAPS || sent.error() == Error::IO_ERROR) {
		Msg_header const h = w.header();
		w.reset();
		w.header() = Msg_header { h.call_id, h.opcode, int32_t(sent.error()) };
		(void)b->replies.send(b->server_end.get(), w);
		return;
	}

	/* a closed peer is noticed (and removed) on its channel's next event */
	if (sent.error() == Error::OUT_OF_RAM)
		_disconnect(b, concat("more than ", unsigned(Send_queue::MAX_MESSAGES), " replies or ",
		                      unsigned(Send_queue::MAX_BYTES / 1024), " KiB of them unread"));
}


void Entrypoint::_throttle(Channel_binding &b)
{
	b.throttled       = true;
	b.throttled_since = monotonic_ms();
	watch(b.server_end.get(), b, EPOLLOUT);

	if (!b.throttle_logged) {
		b.throttle_logged = true;
		std::string const who = b.object->client_name();
		warning("client", who.empty() ? "" : " \"" + who + "\"",
		        " does not read its replies: its channel is throttled until it does");
	}

	_check_throttled();
}


void Entrypoint::_unthrottle(Channel_binding &b)
{
	b.throttled = false;
	watch(b.server_end.get(), b, EPOLLIN);
}


void Entrypoint::_disconnect(std::shared_ptr<Channel_binding> const &b, std::string const &reason)
{
	if (b->dropped) return;
	b->dropped = true;
	b->replies.clear();

	std::string const who = b->object->client_name();
	warning("client", who.empty() ? "" : " \"" + who + "\"", " disconnected: ", reason);

	/* removal may end the object: not in the middle of one of its calls */
	std::weak_ptr<Channel_binding> weak = b;
	schedule([this, weak] {
		if (auto binding = weak.lock(); binding && binding->server_end.valid())
			_remove_binding(binding->server_end.get());
	});
}


void Entrypoint::_check_throttled()
{
	uint64_t const now = monotonic_ms();
	_throttle_deadline = 0;

	std::vector<std::shared_ptr<Channel_binding>> expired;
	for (auto &[fd, b] : _bindings) {
		if (!b->throttled || b->dropped) continue;
		uint64_t const deadline = b->throttled_since + UNREAD_REPLY_TIMEOUT_MS;
		if (deadline <= now) { expired.push_back(b); continue; }
		if (!_throttle_deadline || deadline < _throttle_deadline) _throttle_deadline = deadline;
	}
	for (auto &b : expired)
		_disconnect(b, concat("its replies stayed unread for ", UNREAD_REPLY_TIMEOUT_MS / 1000, " s"));
}


Entrypoint::Entrypoint() : _epoll(::epoll_create1(EPOLL_CLOEXEC)) { }


void Entrypoint::watch(int fd, Io_handler &handler, uint32_t events)
{
	epoll_event ev { };
	ev.events  = events;
	ev.data.fd = fd;
	if (::epoll_ctl(_epoll.get(), EPOLL_CTL_ADD, fd, &ev) < 0 && errno == EEXIST)
		::epoll_ctl(_epoll.get(), EPOLL_CTL_MOD, fd, &ev);
	_watches[fd] = &handler;
}


void Entrypoint::unwatch(int fd)
{
	::epoll_ctl(_epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
	_watches.erase(fd);
}


Result<Unique_fd> Entrypoint::mint(Rpc_object_base &obj)
{
	auto pair = Channel::create();
	if (!pair) return failure(pair.error());

	auto &[server_end, client_end] = *pair;
	int   const server_fd = server_end.get();
	ino_t const ino       = fd_inode(client_end.get());

	_bind(std::move(server_end), obj, ino);
	(void)server_fd;
	return std::move(client_end);
}


void Entrypoint::adopt(Unique_fd &&server_end, Rpc_object_base &obj)
{
	_bind(std::move(server_end), obj, 0);
}


void Entrypoint::_bind(Unique_fd &&server_end, Rpc_object_base &obj, ino_t client_ino)
{
	int const server_fd = server_end.get();
	auto binding = std::make_shared<Channel_binding>(*this, std::move(server_end), obj, client_ino);
	_bindings[server_fd] = binding;
	if (client_ino) _by_client_ino[client_ino] = binding;
	obj._ep = this;
	obj._channel_fds.push_back(server_fd);
	watch(server_fd, *binding, EPOLLIN);
}


void Entrypoint::_remove_binding(int server_fd)
{
	auto it = _bindings.find(server_fd);
	if (it == _bindings.end()) return;

	std::shared_ptr<Channel_binding> binding = it->second;
	unwatch(server_fd);
	_by_client_ino.erase(binding->client_inode);
	_bindings.erase(it);

	Rpc_object_base &obj = *binding->object;
	std::erase(obj._channel_fds, server_fd);
	binding->server_end.reset();

	if (obj._channel_fds.empty())
		obj.all_channels_closed();
}


void Entrypoint::dissolve(Rpc_object_base &obj)
{
	for (int fd : std::vector<int>(obj._channel_fds)) {
		auto it = _bindings.find(fd);
		if (it == _bindings.end()) continue;
		unwatch(fd);
		_by_client_ino.erase(it->second->client_inode);
		it->second->server_end.reset();
		_bindings.erase(it);
	}
	obj._channel_fds.clear();
	obj._ep = nullptr;
}


Rpc_object_base *Entrypoint::lookup(Untyped_capability const &cap)
{
	if (!cap.valid()) return nullptr;
	auto it = _by_client_ino.find(fd_inode(cap.fd()));
	if (it == _by_client_ino.end()) return nullptr;
	auto binding = it->second.lock();
	return binding ? binding->object : nullptr;
}


void Entrypoint::_dispatch_request(Channel_binding &binding, Msg_reader &r)
{
	thread_local Msg_writer w;
	std::shared_ptr<Channel_binding> keep = _bindings.count(binding.server_end.get())
	                                      ? _bindings[binding.server_end.get()] : nullptr;
	if (!keep) return;

	Msg_header const request = r.header();
	w.reset();
	w.header() = Msg_header { request.call_id, request.opcode, 0 };

	trace::rpc_dispatch(request.call_id, request.opcode);

	Result<void> result { };
	bool deferred = false;

	if (r.caps_lost()) {
		/* this server is out of descriptors: the call fails, the server goes on */
		result = failure(Error::OUT_OF_CAPS);
	} else if (r.failed()) {
		result = failure(Error::MALFORMED);
	} else if (request.opcode == OPCODE_MINT && binding.object->num_channels() >= MAX_CHANNELS_PER_OBJECT) {
		/* a client may not exhaust the server's descriptors by copying capabilities */
		result = failure(Error::OUT_OF_CAPS);
	} else if (request.opcode == OPCODE_MINT) {
		auto fd = mint(*binding.object);
		if (fd) Marshal_fd::put(w, std::move(*fd));
		else    result = failure(fd.error());
	} else {
		Rpc_object_base &obj = *binding.object;
		obj._current_binding = keep;
		obj._current_call    = request.call_id;
		obj._reply_deferred  = false;
		result   = obj.dispatch(request.opcode, r, w);
		/* 'obj' may have destroyed itself; only the binding is still safe */
		deferred = keep->server_end.valid() && keep->object == &obj && obj._reply_deferred;
	}

	if (deferred) return;

	if (!result) {
		w.reset();
		w.header() = Msg_header { request.call_id, request.opcode, int32_t(result.error()) };
	}
	trace::rpc_reply(request.call_id, request.opcode);
	_send_reply(keep, w);
}


void Entrypoint::_run_scheduled()
{
	while (!_scheduled.empty()) {
		auto fn = std::move(_scheduled.front());
		_scheduled.pop_front();
		fn();
	}
}


bool Entrypoint::dispatch_once(int timeout_ms)
{
	_run_scheduled();

	/* a throttled channel's deadline shortens the wait; its check counts as dispatch */
	epoll_event events[8];
	int  n = 0;
	bool deadline_checked = false;

	/*
	 * Busy polling replaces a sleep, not the look at the descriptors: before
	 * it spins, the descriptors are looked at without sleeping unless that
	 * was done less than Busy_poll::EPOLL_INTERVAL_NS ago. So while a
	 * component keeps finding work by polling, its other events wait at
	 * most that interval plus the bound.
	 */
	if (timeout_ms != 0 && _busy_poll.active()) {
		if (_busy_poll.epoll_due()) n = _wait(events, 8, 0, deadline_checked);
		if (n == 0 && !deadline_checked && _busy_poll.spin()) {
			_run_scheduled();
			return true;
		}
	}
	if (n == 0 && !deadline_checked) n = _wait(events, 8, timeout_ms, deadline_checked);
	if (n < 0) n = 0;
	if (n == 0 && !deadline_checked) return false;

	/* looked up per event: a handler removed by an earlier event is not called */
	for (int i = 0; i < n; i++) {
		auto it = _watches.find(events[i].data.fd);
		if (it != _watches.end())
			it->second->handle_io(events[i].events);
	}

	_run_scheduled();
	return true;
}


int Entrypoint::_wait(epoll_event *events, int max, int timeout_ms, bool &deadline_checked)
{
	int n;
	uint64_t const start = _throttle_deadline ? monotonic_ms() : 0;
	for (;;) {
		int wait = timeout_ms;
		bool shortened = false;
		if (_throttle_deadline) {
			uint64_t const now = monotonic_ms();
			if (timeout_ms >= 0)
				wait = int(std::max<int64_t>(0, int64_t(timeout_ms) - int64_t(now - start)));
			int const until = _throttle_deadline > now
			                ? int(std::min<uint64_t>(_throttle_deadline - now, 1u << 30)) : 0;
			if (wait < 0 || until < wait) { wait = until; shortened = true; }
		}
		n = ::epoll_wait(_epoll.get(), events, max, wait);
		if (n < 0 && errno == EINTR) continue;
		if (n > 0) break;
		if (_throttle_deadline && monotonic_ms() >= _throttle_deadline) {
			_check_throttled();
			deadline_checked = true;
			n = 0;
			break;
		}
		if (shortened) continue;   /* woke a little early for the deadline */
		break;
	}
	if (_busy_poll.bound_us()) _busy_poll.epoll_looked();
	return n;
}


void Entrypoint::run()
{
	_exit = false;
	while (!_exit) dispatch_once(-1);
}


Result<Unique_fd> nestbox::copy_channel(Untyped_capability const &cap)
{
	if (!cap.valid()) return failure(Error::INVALID_CAP);

	thread_local Msg_writer w;
	thread_local Msg_reader r;
	w.reset();
	w.header() = Msg_header { 0, OPCODE_MINT, 0 };
	if (auto sent = Channel::send(cap.fd(), w); !sent) return failure(sent.error());
	if (auto got = Channel::receive(cap.fd(), r, false); !got) return failure(got.error());
	if (r.header().status) return failure(Error(r.header().status));
	Unique_fd fd = Marshal_fd::get(r);
	if (!fd.valid()) return failure(Error::MALFORMED);
	return fd;
}
