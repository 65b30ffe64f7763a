/*
 * One connection: a VNC viewer, a browser, or a WebSocket client
 */

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <nestbox/log.h>

#include "client.h"
#include "keymap.h"
#include "wire.h"

using namespace Vnc;
using namespace Vnc::Wire;
using nestbox::Input::Event;


Client::Client(nestbox::Entrypoint &ep, Server &server, int fd, std::string peer, uint64_t now_ms)
: _ep(ep), _server(server), _fd(fd), _peer(std::move(peer)), _accepted_ms(now_ms)
{
	_ep.watch(_fd.get(), *this, EPOLLIN | EPOLLRDHUP);
}


Client::~Client()
{
	if (_fd.valid()) _ep.unwatch(_fd.get());
}


uint64_t Client::detect_deadline_ms() const { return _accepted_ms + DETECT_MS; }


std::string Client::_address() const { return _peer.substr(0, _peer.rfind(':')); }


void Client::detect_timeout(uint64_t now_ms)
{
	if (_phase == Phase::DETECT && now_ms >= detect_deadline_ms()) _detected_rfb();
}


void Client::_close(std::string const &why)
{
	if (_phase == Phase::CLOSING) return;
	if (_phase != Phase::DETECT && _phase != Phase::HTTP)
		nestbox::log("client ", _peer, " disconnected: ", why);
	/* a browser learns that we, not the network, ended it (best effort: we do not wait) */
	if (_websocket && _fd.valid() && !_close_frame_sent) {
		std::vector<uint8_t> close;
		Web::Websocket::encode_close(1000, close);
		(void)::send(_fd.get(), close.data(), close.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	_phase = Phase::CLOSING;
	release_input();
	_ep.unwatch(_fd.get());
	_fd.reset();
	_in_flight.reset();
	_server.closed(*this);
}


/* output */

void Client::_watch()
{
	if (!_fd.valid()) return;
	bool const want = !_out.empty();
	if (want == _want_write) return;
	_want_write = want;
	_ep.watch(_fd.get(), *this, uint32_t(EPOLLIN | EPOLLRDHUP) | (want ? uint32_t(EPOLLOUT) : 0u));
}


void Client::_queue_message(std::vector<Chunk> &&chunks)
{
	if (_phase == Phase::CLOSING) return;

	/* a WebSocket carries each message in one binary frame (the server does not mask) */
	if (_websocket) {
		size_t total = 0;
		for (Chunk const &c : chunks) total += c.size();
		std::vector<uint8_t> header;
		Web::Websocket::encode_header(total, header);
		_queued += header.size();
		_out.push_back(Chunk { std::move(header), { }, 0 });
	}
	for (Chunk &c : chunks) {
		if (c.size() == 0) continue;
		_queued += c.size();
		_out.push_back(std::move(c));
	}
	if (_queued > HARD_LIMIT) { _close("does not read (" + std::to_string(_queued >> 20) + " MiB queued)"); return; }
	_flush();
}


void Client::_queue(std::vector<uint8_t> &&bytes)
{
	std::vector<Chunk> chunks;
	chunks.push_back(Chunk { std::move(bytes), { }, 0 });
	_queue_message(std::move(chunks));
}


void Client::_flush()
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
			_close(std::strerror(errno));
			return;
		}
		_queued -= size_t(sent);
		while (sent > 0) {
			Chunk &c = _out.front();
			size_t const left = c.size() - c.offset;
			if (size_t(sent) < left) { c.offset += size_t(sent); sent = 0; break; }
			sent -= ssize_t(left);
			_out.pop_front();
		}
	}
	if (_out.empty() && _phase == Phase::HTTP) { _close("HTTP response sent"); return; }
	_watch();
}


/* input */

void Client::handle_io(uint32_t events)
{
	if (events & EPOLLOUT) {
		_flush();
		if (_phase == Phase::CLOSING) return;
		if (_queued < FLOW_LIMIT) try_update();
	}
	if (_phase == Phase::CLOSING) return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) _read();
}


void Client::_read()
{
	uint8_t buf[READ_CHUNK];
	ssize_t const n = ::read(_fd.get(), buf, sizeof(buf));
	if (n == 0) { _close("connection closed by the viewer"); return; }
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR) return;
		_close(std::strerror(errno));
		return;
	}
	std::span<uint8_t const> const got(buf, size_t(n));

	if (_phase == Phase::DETECT || _phase == Phase::HTTP) {
		_raw_in.insert(_raw_in.end(), got.begin(), got.end());
		if (_phase == Phase::DETECT) {
			switch (Web::guess(_raw_in)) {
			case Web::Guess::NEED_MORE: return;
			case Web::Guess::HTTP:      _phase = Phase::HTTP; break;
			case Web::Guess::NOT_HTTP:
				/* an RFB client that spoke first cannot follow the protocol */
				_close("sent data before the server's greeting");
				return;
			}
		}
		_handle_http();
		return;
	}

	if (_websocket) { _websocket_input(got); return; }

	_in.insert(_in.end(), got.begin(), got.end());
	_handle_rfb();
}


void Client::_websocket_input(std::span<uint8_t const> wire)
{
	std::vector<uint8_t> replies;
	auto const status = _websocket->decode(wire, _in, replies);
	if (!replies.empty()) {
		/* control frames are framed already: past the framing of _queue_message */
		_queued += replies.size();
		_out.push_back(Chunk { std::move(replies), { }, 0 });
		_flush();
		if (_phase == Phase::CLOSING) return;
	}
	/* the decoder answered with a close frame already */
	_close_frame_sent = status != Web::Websocket::Status::OK;
	if (status == Web::Websocket::Status::CLOSED)         { _close("WebSocket closed"); return; }
	if (status == Web::Websocket::Status::PROTOCOL_ERROR) { _close("WebSocket protocol error"); return; }
	_handle_rfb();
}


void Client::_handle_http()
{
	if (_raw_in.size() > MAX_HTTP + READ_CHUNK) { _close("HTTP request too large"); return; }

	Web::Http_result result = Web::handle(_raw_in);
	switch (result.kind) {
	case Web::Http_result::Kind::NEED_MORE:
		return;
	case Web::Http_result::Kind::RESPOND_AND_CLOSE:
		_raw_in.clear();
		{
			std::vector<Chunk> chunks;
			chunks.push_back(Chunk { std::move(result.response), { }, 0 });
			for (Chunk &c : chunks) { _queued += c.size(); _out.push_back(std::move(c)); }
		}
		_flush();
		return;
	case Web::Http_result::Kind::UPGRADE_TO_WEBSOCKET:
		{
			std::vector<uint8_t> const rest(_raw_in.begin() + ptrdiff_t(result.consumed), _raw_in.end());
			_raw_in.clear();
			_queued += result.response.size();
			_out.push_back(Chunk { std::move(result.response), { }, 0 });
			_websocket.emplace();
			nestbox::log("client ", _peer, " connected over WebSocket");
			_detected_rfb();
			if (_phase == Phase::CLOSING || rest.empty()) return;
			_websocket_input(rest);
		}
		return;
	}
}


/* the RFB handshake */

void Client::_detected_rfb()
{
	if (!_websocket) nestbox::log("client ", _peer, " connected");
	_phase = Phase::VERSION;
	std::string const greeting = "RFB 003.008\n";
	_queue(std::vector<uint8_t>(greeting.begin(), greeting.end()));
}


void Client::_handle_rfb()
{
	/*
	 * Messages are parsed where they lie and the buffer is shortened once
	 * at the end: a read of 64 KiB holds thousands of pointer events, and
	 * erasing each from the front would move the rest every time.
	 */
	size_t at = 0;
	auto compact = [&] { _in.erase(_in.begin(), _in.begin() + ptrdiff_t(at)); at = 0; };

	while (_phase != Phase::CLOSING) {
		if (_skip) {
			size_t const n = size_t(std::min<uint64_t>(_skip, _in.size() - at));
			at    += n;
			_skip -= n;
			if (_skip) break;
		}
		if (_phase != Phase::NORMAL) {
			compact();
			if (!_handshake_step()) return;
			continue;
		}
		Parse_result r = parse_client_message(std::span(_in).subspan(at));
		if (r.status == Parse_result::Status::NEED_MORE) break;
		if (r.status == Parse_result::Status::ERROR) { _close("protocol error: " + r.error); return; }
		at   += r.consumed;
		_skip = r.skip;
		_handle(std::move(r.message));
	}
	if (_phase != Phase::CLOSING) compact();
}


/* One step of the handshake if its bytes are there; false if they are not */
bool Client::_handshake_step()
{
	auto take = [&] (size_t n) -> std::optional<std::vector<uint8_t>> {
		if (_in.size() < n) return std::nullopt;
		std::vector<uint8_t> bytes(_in.begin(), _in.begin() + ptrdiff_t(n));
		_in.erase(_in.begin(), _in.begin() + ptrdiff_t(n));
		return bytes;
	};
	bool const password = !_server.password().empty();
	uint8_t const security_type = password ? 2 : 1;   /* VNC authentication or None */

	auto security_result = [&] (bool ok, char const *reason) {
		std::vector<uint8_t> out;
		Writer w { out };
		w.u32(ok ? 0 : 1);
		if (!ok && _minor >= 8) { w.u32(uint32_t(std::strlen(reason))); w.bytes(reason, std::strlen(reason)); }
		_queue(std::move(out));
	};

	auto start_auth = [&] {
		_challenge = random_challenge();
		_queue(std::vector<uint8_t>(_challenge.begin(), _challenge.end()));
		_phase = Phase::AUTH;
	};

	switch (_phase) {

	case Phase::VERSION: {
		auto v = take(12);
		if (!v) return false;
		std::string const s(v->begin(), v->end());
		unsigned major = 0, minor = 0;
		if (s.size() != 12 || s.compare(0, 4, "RFB ") || s[7] != '.' || s[11] != '\n'
		 || std::sscanf(s.c_str(), "RFB %3u.%3u", &major, &minor) != 2 || major != 3) {
			_close("not an RFB 3.x client");
			return false;
		}
		_minor = minor >= 8 ? 8 : minor == 7 ? 7 : 3;   /* 3.889 (Apple) speaks 3.8 */

		/* an address that guessed too often is refused before it may guess again */
		if (password && _server.auth_blocked(_address())) {
			std::string const reason = "too many authentication failures, try again later";
			std::vector<uint8_t> out;
			Writer w { out };
			if (_minor == 3) w.u32(0); else w.u8(0);   /* no security type: the reason follows */
			w.u32(uint32_t(reason.size()));
			w.bytes(reason.data(), reason.size());
			_queue(std::move(out));
			_close("refused: too many authentication failures from " + _address());
			return false;
		}
		if (_minor == 3) {
			std::vector<uint8_t> out;
			Writer { out }.u32(security_type);
			_queue(std::move(out));
			if (password) start_auth(); else _phase = Phase::CLIENT_INIT;
		} else {
			_queue({ 1, security_type });
			_phase = Phase::SECURITY;
		}
		return true;
	}
	case Phase::SECURITY: {
		auto t = take(1);
		if (!t) return false;
		if ((*t)[0] != security_type) {
			security_result(false, "security type not offered");
			_close("chose security type " + std::to_string((*t)[0]) + ", not offered");
			return false;
		}
		if (password) start_auth();
		else {
			if (_minor >= 8) security_result(true, "");
			_phase = Phase::CLIENT_INIT;
		}
		return true;
	}
	case Phase::AUTH: {
		auto response = take(16);
		if (!response) return false;
		bool const ok = response_matches(expected_response(_server.password(), _challenge), response->data());
		_server.auth_result(_address(), ok);
		security_result(ok, "authentication failed");
		if (!ok) { _close("authentication failed"); return false; }
		_phase = Phase::CLIENT_INIT;
		return true;
	}
	case Phase::CLIENT_INIT: {
		if (!take(1)) return false;   /* the shared flag: every session is shared */
		_send_server_init();
		return true;
	}
	default: return false;
	}
}


void Client::_send_server_init()
{
	auto frame = _server.frames().current();
	std::string const &name = _server.desktop_name();

	std::vector<uint8_t> out;
	Writer w { out };
	w.u16(uint16_t(frame->area.w));
	w.u16(uint16_t(frame->area.h));
	w.pixel_format(_format);
	w.u32(uint32_t(name.size()));
	w.bytes(name.data(), name.size());
	_queue(std::move(out));

	_phase = Phase::NORMAL;
	_dirty = Tile_set(frame->area);
	_dirty.set_all();
	nestbox::log("client ", _peer, " speaks RFB 3.", _minor, _server.password().empty() ? "" : ", authenticated");
}


/* messages */

void Client::_handle(Client_message &&message)
{
	if (auto *m = std::get_if<Set_pixel_format>(&message)) {
		if (!m->format.valid()) { _close("unsupported pixel format"); return; }
		_format = m->format;
		return;
	}
	if (auto *m = std::get_if<Set_encodings>(&message)) { _set_encodings(m->encodings); return; }

	if (auto *m = std::get_if<Update_request>(&message)) {
		Rect const screen { { 0, 0 }, _server.frames().current()->area };
		Rect const r = intersect(Rect { { m->x, m->y }, { m->w, m->h } }, screen);
		if (!m->incremental) _dirty.add(r);
		_requested = r.empty() ? screen : r;
		_update_requested = true;
		try_update();
		return;
	}
	if (auto *m = std::get_if<Key_event>(&message)) {
		_key(m->down, evdev_from_keysym(m->keysym), unicode_from_keysym(m->keysym));
		return;
	}
	if (auto *m = std::get_if<Qemu_key_event>(&message)) {
		uint32_t code = evdev_from_xt(m->keycode);
		if (!code) code = evdev_from_keysym(m->keysym);
		_key(m->down, code, unicode_from_keysym(m->keysym));
		return;
	}
	if (auto *m = std::get_if<Pointer_event>(&message)) { _pointer(*m); return; }

	if (std::get_if<Cut_text>(&message)) return;   /* no clipboard yet */

	if (auto *m = std::get_if<Enable_continuous>(&message)) {
		if (!_continuous_supported) { _close("continuous updates without announcing them"); return; }
		Rect const screen { { 0, 0 }, _server.frames().current()->area };
		_continuous = m->enable;
		_continuous_region = intersect(Rect { { m->x, m->y }, { m->w, m->h } }, screen);
		if (!_continuous) {
			std::vector<uint8_t> end { END_OF_CONTINUOUS_UPDATES };
			if (_in_flight) _after_update.push_back(std::move(end)); else _queue(std::move(end));
		}
		try_update();
		return;
	}
	if (auto *m = std::get_if<Client_fence>(&message)) {
		if (!(m->flags & FENCE_REQUEST)) return;   /* the answer to our own fence */
		std::vector<uint8_t> out;
		Writer w { out };
		w.u8(SERVER_FENCE); w.u8(0); w.u8(0); w.u8(0);
		w.u32(m->flags & (FENCE_BLOCK_BEFORE | FENCE_BLOCK_AFTER | FENCE_SYNC_NEXT));
		w.u8(uint8_t(m->payload.size()));
		w.bytes(m->payload.data(), m->payload.size());
		/* everything before the fence reaches the viewer first: an update being encoded too */
		if (_in_flight) _after_update.push_back(std::move(out)); else _queue(std::move(out));
		return;
	}
	if (auto *m = std::get_if<Set_desktop_size>(&message)) {
		uint32_t const status = _server.request_mode(Area { m->w, m->h }, *this);
		if (status != 0) resize_refused(status);
		return;
	}
}


void Client::_set_encodings(std::vector<int32_t> const &encodings)
{
	bool const had_fence = _fence, had_continuous = _continuous_supported, had_qemu = _qemu_keys,
	           had_extended = _extended_desktop_size, had_cursor = _cursor;

	_encoding = RAW;
	bool chosen = false;
	_jpeg_quality = -1;
	_compress_level = -1;
	_copy_rect = _cursor = _desktop_size = _extended_desktop_size = _last_rect = false;
	_qemu_keys = _desktop_name = _fence = _continuous_supported = false;

	for (int32_t const e : encodings) {
		switch (e) {
		case RAW: case HEXTILE: case ZRLE: case TIGHT:
			if (!chosen) { _encoding = e; chosen = true; }
			break;
		case COPY_RECT:             _copy_rect = true; break;
		case CURSOR:                _cursor = true; break;
		case DESKTOP_SIZE:          _desktop_size = true; break;
		case EXTENDED_DESKTOP_SIZE: _extended_desktop_size = true; break;
		case LAST_RECT:             _last_rect = true; break;
		case QEMU_EXTENDED_KEY:     _qemu_keys = true; break;
		case DESKTOP_NAME:          _desktop_name = true; break;
		case FENCE:                 _fence = true; break;
		case CONTINUOUS_UPDATES:    _continuous_supported = true; break;
		default:
			if (e >= JPEG_QUALITY_0 && e <= JPEG_QUALITY_9 && _jpeg_quality < 0)
				_jpeg_quality = e - JPEG_QUALITY_0;
			if (e >= COMPRESS_LEVEL_0 && e <= COMPRESS_LEVEL_9 && _compress_level < 0)
				_compress_level = e - COMPRESS_LEVEL_0;
			break;
		}
	}

	/* announcements of what we support, each once (rfbproto) */
	if (_qemu_keys && !had_qemu) _send_qemu_ack = true;
	if (_cursor && !had_cursor) _send_cursor = true;
	if (_extended_desktop_size && !had_extended) {
		_send_desktop_size = true;
		_resize_reason = BY_SERVER;
		_resize_status = 0;
	}
	if (_fence && !had_fence) {
		std::vector<uint8_t> out;
		Writer w { out };
		w.u8(SERVER_FENCE); w.u8(0); w.u8(0); w.u8(0);
		w.u32(FENCE_REQUEST);
		w.u8(0);
		_queue(std::move(out));
	}
	if (_continuous_supported && !had_continuous) _queue({ END_OF_CONTINUOUS_UPDATES });
}


void Client::_key(bool down, uint32_t code, uint32_t unicode)
{
	if (!code) return;
	auto held = std::find(_pressed.begin(), _pressed.end(), code);
	if (down) {
		if (held == _pressed.end()) _pressed.push_back(code);
		Event const e { Event::PRESS, code, 0, 0, unicode };
		_server.submit_input({ &e, 1 });
	} else {
		if (held == _pressed.end()) return;   /* a release without its press */
		_pressed.erase(held);
		Event const e { Event::RELEASE, code, 0, 0, 0 };
		_server.submit_input({ &e, 1 });
	}
}


void Client::_pointer(Pointer_event const &p)
{
	std::vector<Event> events;
	if (p.x != _pointer_x || p.y != _pointer_y) {
		_pointer_x = p.x; _pointer_y = p.y;
		events.push_back(Event { Event::ABS_MOTION, 0, p.x, p.y, 0 });
	}
	static constexpr uint32_t buttons[3] = { BTN_LEFT, BTN_MIDDLE, BTN_RIGHT };
	for (unsigned i = 0; i < 3; i++) {
		bool const was = _buttons & (1u << i), is = p.buttons & (1u << i);
		if (was != is) events.push_back(Event { is ? Event::PRESS : Event::RELEASE, buttons[i], 0, 0, 0 });
	}
	/* buttons 4 … 7 are wheel steps: up, down, left, right, counted when pressed */
	static constexpr int32_t wheel_x[4] = { 0, 0, -1, 1 }, wheel_y[4] = { 1, -1, 0, 0 };
	for (unsigned i = 0; i < 4; i++) {
		uint8_t const bit = uint8_t(1u << (3 + i));
		if ((p.buttons & bit) && !(_buttons & bit))
			events.push_back(Event { Event::WHEEL, 0, wheel_x[i], wheel_y[i], 0 });
	}
	_buttons = p.buttons;
	if (!events.empty()) _server.submit_input(events);
}


void Client::release_input()
{
	std::vector<Event> events;
	for (uint32_t code : _pressed) events.push_back(Event { Event::RELEASE, code, 0, 0, 0 });
	_pressed.clear();
	static constexpr uint32_t buttons[3] = { BTN_LEFT, BTN_MIDDLE, BTN_RIGHT };
	for (unsigned i = 0; i < 3; i++)
		if (_buttons & (1u << i)) events.push_back(Event { Event::RELEASE, buttons[i], 0, 0, 0 });
	_buttons = 0;
	if (!events.empty()) _server.submit_input(events);
}
