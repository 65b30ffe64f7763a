/*
 * One viewer's RFB session over its connection
 */

#include <algorithm>
#include <cstdio>
#include <cstring>

#include <nestbox/log.h>

#include "clipboard.h"
#include "keymap.h"
#include "session.h"
#include "wire.h"

using namespace Vnc;
using namespace Vnc::Wire;
using nestbox::Input::Event;


Session::Session(nestbox::Entrypoint &ep, Server &server, int fd, std::string peer, uint64_t now_ms)
:
	_server(server),
	_connection(ep, *this, fd, std::move(peer), now_ms),
	_updater(server.frames(), server.pool(), _connection, server.desktop_name(), server.refresh_timer())
{ }


size_t Session::held() const
{
	return sizeof(Session) - sizeof(Connection) - sizeof(Updater) + _updater.held()
	     + _pressed.capacity() * sizeof(uint32_t) + _clipboard.capacity();
}


void Session::closed(std::string const &)
{
	_motion.reset();
	_phase = Phase::CLOSED;
	release_input();
	_updater.stop();
	_server.closed(*this);
}


/* the RFB handshake */

void Session::rfb_ready()
{
	_phase = Phase::VERSION;
	std::string const greeting = "RFB 003.008\n";
	_connection.send_bytes(std::vector<uint8_t>(greeting.begin(), greeting.end()));
}


void Session::received(std::vector<uint8_t> &in)
{
	/*
	 * Messages are parsed where they lie and the buffer is shortened once
	 * at the end: a read of 64 KiB holds thousands of pointer events, and
	 * erasing each from the front would move the rest every time.
	 */
	size_t at = 0;
	auto compact = [&] { in.erase(in.begin(), in.begin() + ptrdiff_t(at)); at = 0; };

	while (_phase != Phase::CLOSED && !_connection.closed()) {
		if (_skip) {
			size_t const n = size_t(std::min<uint64_t>(_skip, in.size() - at));
			at    += n;
			_skip -= n;
			if (_skip) break;
		}
		if (_phase != Phase::NORMAL) {
			compact();
			if (!_handshake_step(in)) return;
			continue;
		}
		Parse_result r = parse_client_message(std::span(in).subspan(at));
		if (r.status == Parse_result::Status::NEED_MORE) break;
		if (r.status == Parse_result::Status::ERROR) { _connection.close("protocol error: " + r.error); return; }
		at   += r.consumed;
		_skip = r.skip;
		_handle(std::move(r.message));
	}
	if (_phase == Phase::CLOSED || _connection.closed()) return;
	_flush_motion();   /* the end of this read: the latest position goes */
	compact();
}


/* The outcome of the security handshake (RFB 3.8 says why it failed) */
void Session::_security_result(bool ok, char const *reason)
{
	std::vector<uint8_t> out;
	Writer w { out };
	w.u32(ok ? 0 : 1);
	if (!ok && _minor >= 8) { w.u32(uint32_t(std::strlen(reason))); w.bytes(reason, std::strlen(reason)); }
	_connection.send_bytes(std::move(out));
}


/* No security type for this viewer: it learns why, then the connection closes */
void Session::_refuse(std::string const &reason, std::string const &why)
{
	std::vector<uint8_t> out;
	Writer w { out };
	if (_minor == 3) w.u32(0); else w.u8(0);   /* no security type: the reason follows */
	w.u32(uint32_t(reason.size()));
	w.bytes(reason.data(), reason.size());
	_connection.send_bytes(std::move(out));
	_connection.close(why);
}


/* The viewer chose 'type' (a VeNCrypt subtype after TLS began): authentication, or none */
void Session::_security_chosen(uint32_t type)
{
	_security = type;
	if (kind_of(type).password) {
		_challenge = random_challenge();
		_connection.send_bytes(std::vector<uint8_t>(_challenge.begin(), _challenge.end()));
		_phase = Phase::AUTH;
		return;
	}
	/* RFB 3.3 and 3.7 send no result after None (VeNCrypt sends one in any version) */
	if (_minor >= 8 || type != SECURITY_NONE) _security_result(true, "");
	_phase = Phase::CLIENT_INIT;
}


/* One step of the handshake if its bytes are there; false if they are not */
bool Session::_handshake_step(std::vector<uint8_t> &in)
{
	auto take = [&] (size_t n) -> std::optional<std::vector<uint8_t>> {
		if (in.size() < n) return std::nullopt;
		std::vector<uint8_t> bytes(in.begin(), in.begin() + ptrdiff_t(n));
		in.erase(in.begin(), in.begin() + ptrdiff_t(n));
		return bytes;
	};
	Security_offer const &offer = _server.security();
	bool const password = !_server.password().empty() || !_server.view_password().empty();
	std::string const address = _connection.address();

	switch (_phase) {

	case Phase::VERSION: {
		auto v = take(12);
		if (!v) return false;
		std::string const s(v->begin(), v->end());
		unsigned major = 0, minor = 0;
		if (s.size() != 12 || s.compare(0, 4, "RFB ") || s[7] != '.' || s[11] != '\n'
		 || std::sscanf(s.c_str(), "RFB %3u.%3u", &major, &minor) != 2 || major != 3) {
			_connection.close("not an RFB 3.x client");
			return false;
		}
		_minor = minor >= 8 ? 8 : minor == 7 ? 7 : 3;   /* 3.889 (Apple) speaks 3.8 */

		if (offer.empty()) {
			_refuse("no security type is configured", "refused: no security type is configured (see the log at start)");
			return false;
		}
		/* an address that guessed too often is refused before it may guess again */
		if (password && _server.auth_blocked(address)) {
			_refuse("too many authentication failures, try again later",
			        "refused: too many authentication failures from " + address);
			return false;
		}
		/* noVNC speaks VeNCrypt only with a password in the clear, which we never offer */
		if (_connection.websocket() && offer.plain.empty()) {
			_refuse("this server requires TLS (VeNCrypt), which a browser cannot do: use a VNC viewer",
			        "refused: a browser cannot do TLS, which the config requires");
			return false;
		}
		if (_minor == 3) {
			/* RFB 3.3: the server chooses, and VeNCrypt needs 3.7 */
			if (offer.plain.empty()) {
				_refuse("this server requires TLS (VeNCrypt), which needs RFB 3.7 or later",
				        "refused: RFB 3.3 cannot do TLS, which the config requires");
				return false;
			}
			std::vector<uint8_t> out;
			Writer { out }.u32(offer.plain.front());
			_connection.send_bytes(std::move(out));
			_security_chosen(offer.plain.front());
		} else {
			/* over a WebSocket, without VeNCrypt: noVNC would choose it and fail */
			std::vector<uint8_t> types = offer.rfb_types();
			if (_connection.websocket()) std::erase(types, uint8_t(SECURITY_VENCRYPT));
			std::vector<uint8_t> out;
			Writer w { out };
			w.u8(uint8_t(types.size()));
			w.bytes(types.data(), types.size());
			_connection.send_bytes(std::move(out));
			_phase = Phase::SECURITY;
		}
		return true;
	}
	case Phase::SECURITY: {
		auto t = take(1);
		if (!t) return false;
		uint8_t const type = (*t)[0];
		if (type == SECURITY_VENCRYPT && !offer.vencrypt.empty()) {
			_connection.send_bytes({ 0, 2 });   /* VeNCrypt 0.2 */
			_phase = Phase::VENCRYPT_VERSION;
			return true;
		}
		if (type == SECURITY_VENCRYPT || !offer.offers(offer.plain, type)) {
			_security_result(false, "security type not offered");
			_connection.close("chose security type " + std::to_string(type) + ", not offered");
			return false;
		}
		_security_chosen(type);
		return true;
	}
	case Phase::VENCRYPT_VERSION: {
		auto v = take(2);
		if (!v) return false;
		if ((*v)[0] != 0 || (*v)[1] != 2) {
			_connection.send_bytes({ 1 });
			_connection.close("VeNCrypt " + std::to_string((*v)[0]) + "." + std::to_string((*v)[1])
			                  + ", not 0.2");
			return false;
		}
		std::vector<uint8_t> out;
		Writer w { out };
		w.u8(0);   /* the version is fine */
		w.u8(uint8_t(offer.vencrypt.size()));
		for (uint32_t sub : offer.vencrypt) w.u32(sub);
		_connection.send_bytes(std::move(out));
		_phase = Phase::VENCRYPT_SUBTYPE;
		return true;
	}
	case Phase::VENCRYPT_SUBTYPE: {
		auto v = take(4);
		if (!v) return false;
		uint32_t const sub = uint32_t((*v)[0]) << 24 | uint32_t((*v)[1]) << 16 | uint32_t((*v)[2]) << 8 | (*v)[3];
		Tls_context const *tls = _server.tls();
		if (!offer.offers(offer.vencrypt, sub) || !tls) {
			_connection.send_bytes({ 0 });
			_connection.close("chose VeNCrypt subtype " + std::to_string(sub) + ", not offered");
			return false;
		}
		_connection.send_bytes({ 1 });
		_connection.start_tls(*tls, kind_of(sub).x509);
		_security_chosen(sub);   /* what follows goes over TLS */
		return true;
	}
	case Phase::AUTH: {
		auto response = take(16);
		if (!response) return false;
		auto matches = [&] (std::string const &pw) {
			return !pw.empty() && response_matches(expected_response(pw, _challenge), response->data()); };
		bool const full = matches(_server.password());
		_view_only = !full && matches(_server.view_password());
		bool const ok = full || _view_only;
		_server.auth_result(address, ok);
		_security_result(ok, "authentication failed");
		if (!ok) { _connection.close("authentication failed"); return false; }
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


void Session::_send_server_init()
{
	auto frame = _server.frames().current();
	std::string const &name = _server.desktop_name();

	std::vector<uint8_t> out;
	Writer w { out };
	w.u16(uint16_t(frame->area.w));
	w.u16(uint16_t(frame->area.h));
	w.pixel_format(_updater.format());
	w.u32(uint32_t(name.size()));
	w.bytes(name.data(), name.size());
	_connection.send_bytes(std::move(out));

	_phase = Phase::NORMAL;
	_updater.start();
	nestbox::log("client ", peer(), " speaks RFB 3.", _minor, ", security ", security_name(_security),
	             kind_of(_security).password ? ", authenticated" : "", _view_only ? ", view-only" : "");
}


/* messages */

void Session::_handle(Client_message &&message)
{
	/*
	 * A view-only viewer watches: what would change the desktop goes
	 * nowhere, and it has no clipboard (as TigerVNC's view-only access)
	 */
	if (_view_only && (std::holds_alternative<Pointer_event>(message) || std::holds_alternative<Key_event>(message)
	                || std::holds_alternative<Qemu_key_event>(message) || std::holds_alternative<Cut_text>(message)
	                || std::holds_alternative<Extended_clipboard>(message)
	                || std::holds_alternative<Set_desktop_size>(message))) {
		if (std::holds_alternative<Set_desktop_size>(message)) _updater.resize_refused(1);   /* prohibited */
		return;
	}

	if (auto *m = std::get_if<Pointer_event>(&message)) {
		/*
		 * Only hovering is merged: an event that changes buttons goes at its
		 * own position, and while a button or key is held (a stroke, a drag)
		 * every position goes, as the Input queues keep them
		 */
		bool const hovering = m->buttons == 0 && _buttons == 0 && _pressed.empty();
		if (_motion && (!hovering || _motion->buttons != 0)) _flush_motion();
		_motion = *m;
		return;
	}
	_flush_motion();   /* what came before this message reaches the client before it */

	if (auto *m = std::get_if<Set_pixel_format>(&message)) {
		if (!m->format.valid()) { _connection.close("unsupported pixel format"); return; }
		_updater.set_format(m->format);
		return;
	}
	if (auto *m = std::get_if<Set_encodings>(&message)) { _set_encodings(m->encodings); return; }

	if (auto *m = std::get_if<Update_request>(&message)) {
		_updater.request(Rect { { m->x, m->y }, { m->w, m->h } }, m->incremental);
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
	if (auto *m = std::get_if<Cut_text>(&message)) {
		if (m->dropped) {
			if (!_told_dropped)
				nestbox::warning("client ", peer(), ": clipboard text of ", m->dropped, " bytes dropped (at most ",
				                 size_t(MAX_CUT_TEXT), "; logged once per client)");
			_told_dropped = true;
			return;
		}
		_clipboard_from_viewer(Cut_text_codec::utf8_from_latin1(m->latin1));
		return;
	}
	if (auto *m = std::get_if<Extended_clipboard>(&message)) { _extended_clipboard(*m); return; }

	if (auto *m = std::get_if<Enable_continuous>(&message)) {
		if (!_updater.encodings().continuous_updates) {
			_connection.close("continuous updates without announcing them");
			return;
		}
		_updater.set_continuous(m->enable, Rect { { m->x, m->y }, { m->w, m->h } });
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
		_updater.send_after_update(std::move(out));
		return;
	}
	if (auto *m = std::get_if<Set_desktop_size>(&message)) {
		uint32_t const status = _server.request_mode(Area { m->w, m->h }, *this);
		if (status != 0) _updater.resize_refused(status);
		return;
	}
}


void Session::_set_encodings(std::vector<int32_t> const &list)
{
	Encodings const had = _updater.encodings();
	Encodings now = Encodings::from(list);
	if (!_server.h264_allowed()) now.h264 = false;
	_updater.set_encodings(now);

	/* announcements of what we support that are messages of their own, each once (rfbproto) */
	if (now.fence && !had.fence) {
		std::vector<uint8_t> out;
		Writer w { out };
		w.u8(SERVER_FENCE); w.u8(0); w.u8(0); w.u8(0);
		w.u32(FENCE_REQUEST);
		w.u8(0);
		_connection.send_bytes(std::move(out));
	}
	if (now.continuous_updates && !had.continuous_updates) _connection.send_bytes({ END_OF_CONTINUOUS_UPDATES });
	if (now.extended_clipboard && !had.extended_clipboard) _connection.send_bytes(Cut_text_codec::caps());

	/* a new viewer gets the clipboard as it is, in the form its encodings ask for */
	if (!_encodings_set) {
		_encodings_set = true;
		if (!_server.clipboard().empty()) clipboard_changed(_server.clipboard());
	}
}


/* clipboard */

void Session::_clipboard_from_viewer(std::string &&utf8)
{
	_clipboard = std::move(utf8);
	_server.clipboard_from_viewer(*this, _clipboard);
}


void Session::_extended_clipboard(Extended_clipboard const &m)
{
	using namespace Cut_text_codec;

	if (m.flags & CAPS) { _clipboard_caps = m.flags; return; }
	if (m.flags & REQUEST) {
		if (m.flags & FORMAT_TEXT) _connection.send_bytes(provide(_server.clipboard()));
		return;
	}
	if (m.flags & PEEK) {
		_connection.send_bytes(extended(NOTIFY | (_server.clipboard().empty() ? 0u : uint32_t(FORMAT_TEXT))));
		return;
	}
	if (m.flags & NOTIFY) {
		/* the viewer has new text: we ask for it (its 'provide' brings it) */
		if (m.flags & FORMAT_TEXT) _connection.send_bytes(extended(REQUEST | FORMAT_TEXT));
		return;
	}
	if (m.flags & PROVIDE) {
		Provided p = parse_provide(m.flags, m.data);
		if (!p.ok) { _connection.close("protocol error: " + p.error); return; }
		if (p.has_text) _clipboard_from_viewer(std::move(p.text));
	}
}


void Session::clipboard_changed(std::string const &utf8)
{
	using namespace Cut_text_codec;

	if (!authenticated() || _view_only || !_encodings_set || utf8 == _clipboard) return;
	_clipboard = utf8;

	Encodings const &e = _updater.encodings();
	if (!e.extended_clipboard) { _connection.send_bytes(server_cut_text(utf8)); return; }

	/* told of it, the viewer asks when it wants it; one that cannot be told is given it */
	bool const notify = !_clipboard_caps || (_clipboard_caps & NOTIFY);
	if (notify) _connection.send_bytes(extended(NOTIFY | (utf8.empty() ? 0u : uint32_t(FORMAT_TEXT))));
	else if (_clipboard_caps & PROVIDE) _connection.send_bytes(provide(utf8));
}


/* input */

void Session::_key(bool down, uint32_t code, uint32_t unicode)
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


void Session::_flush_motion()
{
	if (!_motion) return;
	Pointer_event const p = *_motion;
	_motion.reset();
	_pointer(p);
}


void Session::_pointer(Pointer_event const &p)
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


void Session::release_input()
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
