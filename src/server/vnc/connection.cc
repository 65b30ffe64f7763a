/*
 * One connection's transport: bytes in and out of a socket
 */

#include <cerrno>
#include <cstring>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <nestbox/log.h>

#include "connection.h"
#include "wire.h"

using namespace Vnc;
using namespace Vnc::Wire;


Connection::Connection(nestbox::Entrypoint &ep, Handler &handler, int fd, std::string peer, uint64_t now_ms)
: _ep(ep), _handler(handler), _fd(fd), _peer(std::move(peer)), _accepted_ms(now_ms)
{
	_ep.watch(_fd.get(), *this, EPOLLIN | EPOLLRDHUP);
}


Connection::~Connection()
{
	if (_fd.valid()) _ep.unwatch(_fd.get());
}


void Connection::detect_timeout(uint64_t now_ms, uint64_t window_ms)
{
	if (_state == State::DETECT && now_ms >= _accepted_ms + window_ms) _rfb_ready();
}


void Connection::close(std::string const &why)
{
	if (_state == State::CLOSED) return;
	if (_state == State::RFB)
		nestbox::log("client ", _peer, " disconnected: ", why);
	/* a browser learns that we, not the network, ended it (best effort: we do not wait) */
	if (_websocket && _fd.valid() && !_close_frame_sent) {
		std::vector<uint8_t> close;
		Web::Websocket::encode_close(1000, close);
		(void)::send(_fd.get(), close.data(), close.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	_state = State::CLOSED;
	_ep.unwatch(_fd.get());
	_fd.reset();
	_handler.closed(why);
}


/* output */

bool Connection::congested() const { return _queued >= FLOW_LIMIT; }


void Connection::_watch()
{
	if (!_fd.valid()) return;
	bool const want = !_out.empty();
	if (want == _want_write) return;
	_want_write = want;
	_ep.watch(_fd.get(), *this, uint32_t(EPOLLIN | EPOLLRDHUP) | (want ? uint32_t(EPOLLOUT) : 0u));
}


size_t Connection::_cost(Chunk const &c)
{
	return CHUNK_OVERHEAD + (c.shared ? c.shared->size() : c.own.capacity());
}


size_t Connection::held() const
{
	size_t const websocket = _websocket ? sizeof(Web::Websocket) + 128 : 0;
	size_t const tls       = _tls ? _tls->held() : 0;
	return sizeof(Connection) + _out_cost + _in.capacity() + _raw_in.capacity() + websocket + tls;
}


bool Connection::_check_cap()
{
	if (_state == State::CLOSED) return false;
	size_t const held = this->held() + _handler.held(), cap = _handler.cap();
	if (held <= cap) return true;
	close("over its memory cap: " + std::to_string(held >> 10) + " KiB held ("
	      + std::to_string(_queued >> 10) + " KiB of output unread), the cap is "
	      + std::to_string(cap >> 10) + " KiB");
	return false;
}


void Connection::_queue(Chunk &&c)
{
	size_t const n = c.size();
	if (n == 0) return;
	_queued += n;

	/* a small reply joins the last chunk of our own: a flood of pongs is not a flood of chunks */
	if (!c.shared && n < COALESCE_BYTES && !_out.empty()) {
		Chunk &last = _out.back();
		if (!last.shared && last.own.size() + n <= COALESCE_BYTES) {
			_out_cost -= _cost(last);
			last.own.insert(last.own.end(), c.own.begin(), c.own.end());
			_out_cost += _cost(last);
			return;
		}
	}
	_out_cost += _cost(c);
	_out.push_back(std::move(c));
}


void Connection::_push(std::vector<uint8_t> &&framed)
{
	_queue(Chunk { std::move(framed), { }, 0 });
}


void Connection::send(std::vector<Chunk> &&message)
{
	if (_state == State::CLOSED) return;

	/* over TLS, each viewer's bytes are its own: encrypted, framed, queued */
	if (_tls) {
		std::vector<uint8_t> wire;
		for (Chunk const &c : message)
			if (!_tls->send({ c.data() + c.offset, c.size() - c.offset }, wire)) {
				close("TLS failed while sending");
				return;
			}
		if (!wire.empty()) _send_wire(std::move(wire));
		else (void)_check_cap();
		return;
	}

	/* a WebSocket carries each message in one binary frame (the server does not mask) */
	if (_websocket) {
		size_t total = 0;
		for (Chunk const &c : message) total += c.size();
		std::vector<uint8_t> header;
		Web::Websocket::encode_header(total, header);
		_push(std::move(header));
	}
	for (Chunk &c : message) _queue(std::move(c));
	_flush();
	(void)_check_cap();
}


void Connection::_flush()
{
	while (!_out.empty() && _fd.valid()) {
		iovec iov[64];
		int n = 0;
		for (auto it = _out.begin(); it != _out.end() && n < 64; ++it, ++n)
			iov[n] = { const_cast<uint8_t *>(it->data()) + it->offset, it->size() - it->offset };

		msghdr msg { };
		msg.msg_iov    = iov;
		msg.msg_iovlen = size_t(n);
		ssize_t sent = ::sendmsg(_fd.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (sent < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) break;
			if (errno == EINTR) continue;
			close(std::strerror(errno));
			return;
		}
		_queued -= size_t(sent);
		while (sent > 0) {
			Chunk &c = _out.front();
			size_t const left = c.size() - c.offset;
			if (size_t(sent) < left) { c.offset += size_t(sent); sent = 0; break; }
			sent -= ssize_t(left);
			_out_cost -= _cost(c);
			_out.pop_front();
		}
	}
	if (_out.empty() && _state == State::HTTP) { close("HTTP response sent"); return; }
	_watch();
}


/* input */

void Connection::handle_io(uint32_t events)
{
	if (events & EPOLLOUT) {
		_flush();
		if (_state == State::CLOSED) return;
		if (_state == State::RFB && !congested()) _handler.writable();
	}
	if (_state == State::CLOSED) return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) _read();
}


void Connection::_read()
{
	uint8_t buf[READ_CHUNK];
	ssize_t const n = ::read(_fd.get(), buf, sizeof(buf));
	if (n == 0) { close("connection closed by the viewer"); return; }
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR) return;
		close(std::strerror(errno));
		return;
	}
	std::span<uint8_t const> const got(buf, size_t(n));

	if (_state == State::DETECT || _state == State::HTTP) {
		_raw_in.insert(_raw_in.end(), got.begin(), got.end());
		if (_state == State::DETECT) {
			switch (Web::guess(_raw_in)) {
			case Web::Guess::NEED_MORE: return;
			case Web::Guess::HTTP:      _state = State::HTTP; _handler.http_request(); break;
			case Web::Guess::NOT_HTTP:
				/* an RFB client that spoke first cannot follow the protocol */
				close("sent data before the server's greeting");
				return;
			}
		}
		_handle_http();
		return;
	}

	if (_websocket) { _websocket_input(got); return; }
	_deliver(got);
}


void Connection::_send_wire(std::vector<uint8_t> &&bytes)
{
	if (_websocket) {
		std::vector<uint8_t> header;
		Web::Websocket::encode_header(bytes.size(), header);
		_push(std::move(header));
	}
	_push(std::move(bytes));
	_flush();
	(void)_check_cap();
}


void Connection::start_tls(Tls_context const &context, bool x509)
{
	if (_state != State::RFB || _tls) return;
	_tls.emplace(context, x509);
}


void Connection::_deliver(std::span<uint8_t const> bytes)
{
	bool const had_tls = _tls.has_value();
	if (_tls) {
		std::vector<uint8_t> reply;
		auto const failed = _tls->received(bytes, _in, reply);
		if (!reply.empty()) _send_wire(std::move(reply));
		if (_state == State::CLOSED) return;
		if (failed) { close(*failed); return; }
		if (_tls->established() && !_tls_logged) {
			_tls_logged = true;
			nestbox::log("client ", _peer, " over ", _tls->description());
		}
	} else
		_in.insert(_in.end(), bytes.begin(), bytes.end());

	_handler.received(_in);
	if (_state == State::CLOSED) return;

	/* the handler started TLS: what followed its last message is the peer's handshake */
	if (!had_tls && _tls && !_in.empty()) {
		std::vector<uint8_t> handshake;
		handshake.swap(_in);
		_deliver(handshake);
		return;
	}
	(void)_check_cap();
}


void Connection::_websocket_input(std::span<uint8_t const> wire)
{
	std::vector<uint8_t> replies, payload;
	auto const status = _websocket->decode(wire, _tls ? payload : _in, replies);
	if (!replies.empty()) {
		/* control frames are framed already: past the framing of 'send' */
		_push(std::move(replies));
		_flush();
		if (!_check_cap()) return;
	}
	/* the decoder answered with a close frame already */
	_close_frame_sent = status != Web::Websocket::Status::OK;
	if (status == Web::Websocket::Status::CLOSED)         { close("WebSocket closed"); return; }
	if (status == Web::Websocket::Status::PROTOCOL_ERROR) { close("WebSocket protocol error"); return; }
	_deliver(payload);   /* empty without TLS: the payload went to '_in' */
}


void Connection::_handle_http()
{
	if (_raw_in.size() > MAX_HTTP + READ_CHUNK) { close("HTTP request too large"); return; }

	Web::Http_result result = Web::handle(_raw_in);
	switch (result.kind) {
	case Web::Http_result::Kind::NEED_MORE:
		return;
	case Web::Http_result::Kind::RESPOND_AND_CLOSE:
		_raw_in.clear();
		_push(std::move(result.response));
		_flush();
		return;
	case Web::Http_result::Kind::UPGRADE_TO_WEBSOCKET:
		{
			std::vector<uint8_t> const rest(_raw_in.begin() + ptrdiff_t(result.consumed), _raw_in.end());
			_raw_in.clear();
			_push(std::move(result.response));   /* goes out with the greeting */
			_websocket.emplace();
			nestbox::log("client ", _peer, " connected over WebSocket");
			_rfb_ready();
			if (_state == State::CLOSED || rest.empty()) return;
			_websocket_input(rest);
		}
		return;
	}
}


void Connection::_rfb_ready()
{
	if (!_websocket) nestbox::log("client ", _peer, " connected");
	_state = State::RFB;
	_handler.rfb_ready();
}
