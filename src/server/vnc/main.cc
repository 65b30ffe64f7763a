/*
 * vnc: a screen served over the network
 *
 * To its clients, vnc is a framebuffer driver like fb_headless: it
 * provides Framebuffer and Input sessions (so the gui server, or any
 * single app, runs on it unchanged), takes input from its config
 * (<inject>) and publishes screenshots (<capture>). Its screen is served
 * over RFB 3.3/3.7/3.8 to VNC viewers, and to browsers over a WebSocket on
 * the same port, where it also serves a page that shows the desktop with
 * noVNC. The listening socket comes from core (<host><tcp/>): the component
 * itself is sealed like any other. See README.md.
 */

#include <cstring>
#include <list>
#include <malloc.h>
#include <optional>
#include <string>
#include <sched.h>

#include <pugixml.hpp>

#include <nestbox/attached_rom.h>
#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>
#include <nestbox/report.h>
#include <nestbox/timer.h>
#include <nestbox/util/monotonic.h>

#include <nestbox/fb_driver/framebuffer.h>
#include <nestbox/fb_driver/input.h>
#include <nestbox/fb_driver/screen.h>
#include <nestbox/fb_driver/screenshot.h>
#include <nestbox/fb_driver/script.h>
#include <nestbox/fb_driver/sync_timer.h>

#include "admission.h"
#include "auth_blacklist.h"
#include "capture.h"
#include "clipboard.h"
#include "listener.h"
#include "security.h"
#include "session.h"
#include "tls.h"
#include "wire.h"

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Timer"/> <service name="Report" optional="yes"/>
		           <service name="ROM" optional="yes"/> </requires>
		<provides> <service name="Framebuffer"/> <service name="Input"/> </provides>
	</manifest>)");

namespace Vnc {

	using namespace nestbox;
	using namespace Fb_driver;

	struct Main;
}


struct Vnc::Main : Sync_control, Server, Frame_listener, Refresh_timer
{
	Env &_env;

	Config_document _config { _env };
	bool            _verbose = false;
	std::string     _name { "nestbox" };
	std::string     _password { };
	std::string     _view_password { };
	bool            _loopback = true;   /* where the listener is bound, once it is known */

	Security_offer               _security { };
	std::unique_ptr<Tls_context> _tls { };
	std::string                  _security_said { };   /* what _apply_security said last */
	bool            _resizable = true;
	Admission_limits _limits { };

	Rate_limited_warning _admission_warning { };   /* refused and dropped connections */

	/* fixed at start: threads and cache cannot change under running encoders */
	unsigned const _threads = [&] {
		(void)_config.update();
		/* not hardware_concurrency(): it reads /sys, which a sealed component has not */
		cpu_set_t set;
		CPU_ZERO(&set);
		unsigned const cores = ::sched_getaffinity(0, sizeof(set), &set) == 0 ? unsigned(CPU_COUNT(&set)) : 1u;
		return std::min(_config.node().attribute("threads").as_uint(std::min(cores, 4u)), 16u);
	}();
	size_t const _cache_bytes = size_t(_config.node().attribute("cache_mb").as_uint(32)) << 20;

	Timer::Connection _detect_timer { _env };
	Timer::Connection _capture_timer { _env };
	Timer::Connection _refresh_timer { _env };
	uint64_t          _refresh_next = 0;   /* when the lossless refresh timer fires, 0: not set */

	Screen           _screen     { _env.pd() };
	Framebuffer_root _fb_root    { _env.ep(), _screen, *this, _verbose };
	Input_root       _input_root { _env.ep(), _env.pd() };
	Screenshot       _screenshot { _env };
	Sync_timer       _sync       { _env, _fb_root, _verbose };

	Screen_capture _capture { _env.ep(), _capture_timer, _screen, *this };
	Encode_pool    _pool { _env.ep(), _threads, _cache_bytes };

	std::list<Session>      _sessions { };
	std::optional<Listener> _listener { };

	Signal_handler<Main> _config_handler { _env.ep(), *this, &Main::_handle_config };
	Signal_handler<Main> _detect_handler { _env.ep(), *this, &Main::_handle_deadlines };
	Signal_handler<Main> _refresh_handler { _env.ep(), *this, &Main::_handle_refresh };

	Config_script _script { };   /* <inject>, <capture> */

	/* Server interface, for the sessions */

	Frame_history     &frames()       override { return _capture.frames(); }
	Encode_pool       &pool()         override { return _pool; }
	std::string const &desktop_name() override { return _name; }
	std::string const &password()     override { return _password; }
	std::string const &view_password() override { return _view_password; }

	Security_offer const &security() override { return _security; }
	Tls_context const    *tls()      override { return _tls.get(); }

	void submit_input(std::span<Input::Event const> events) override { _input_root.submit(events); }

	/* at start only: the caps of viewers already there cannot grow */
	bool const _h264 = _config.node().attribute("h264").as_bool(false);

	bool h264_allowed() override { return _h264; }

	size_t client_cap() override
	{
		Area const area = _screen.mode().area;
		return _h264 ? Wire::client_cap_h264(area) : Wire::client_cap(area);
	}

	Refresh_timer &refresh_timer() override { return *this; }

	/* Refresh_timer interface, for the updaters: one timer serves all viewers */

	uint64_t clock_ms() override { return monotonic_ms(); }

	void refresh_at(uint64_t ms) override
	{
		if (_refresh_next && _refresh_next <= ms) return;   /* fires earlier, and looks again then */
		_refresh_next = ms;
		uint64_t const now = monotonic_ms();
		(void)_refresh_timer.trigger_once((ms > now ? ms - now : 1) * 1000);
	}

	void _handle_refresh()
	{
		_refresh_next = 0;
		uint64_t const now = monotonic_ms();
		uint64_t next = 0;
		for (Session &s : _sessions)
			if (uint64_t const due = s.refresh_due(now)) next = next ? std::min(next, due) : due;
		if (next) refresh_at(next);
	}

	Auth_blacklist  _auth_blacklist { };
	Recent_browsers _browsers { };

	void http_request_from(std::string const &address) override { _browsers.seen(address, monotonic_ms()); }

	bool auth_blocked(std::string const &address) override { return _auth_blacklist.blocked(address, monotonic_ms()); }

	void auth_result(std::string const &address, bool ok) override
	{
		if (ok) { _auth_blacklist.succeeded(address); return; }
		if (uint64_t const ms = _auth_blacklist.failed(address, monotonic_ms()))
			warning("too many authentication failures from ", address, ": refused for ", ms / 1000, " s");
	}

	uint32_t request_mode(Area area, Session &requester) override
	{
		enum : uint32_t { PROHIBITED = 1, OUT_OF_RESOURCES = 2, INVALID = 3 };
		if (!_resizable) return PROHIBITED;
		if (area.w == 0 || area.h == 0 || area.w > Screen::MAX_SIDE || area.h > Screen::MAX_SIDE) return INVALID;
		if (area.w == _screen.mode().area.w && area.h == _screen.mode().area.h) {
			requester.mode_changed(BY_THIS_CLIENT, 0);
			return 0;
		}
		if (!_set_mode(area, &requester)) return OUT_OF_RESOURCES;
		log("mode ", area.w, "x", area.h, " requested by ", requester.peer());
		return 0;
	}

	void closed(Session &session) override
	{
		Session *gone = &session;
		_env.ep().schedule([this, gone] {
			_sessions.remove_if([gone] (Session const &s) { return &s == gone; });

			/*
			 * A viewer's zlib streams and buffers were freed in the arenas
			 * of the encoder threads that used them; glibc gives free
			 * memory inside an arena back only when told. Without this,
			 * 1,000 connect/disconnect cycles left the RSS 1-3 MiB higher
			 * (scripts/soak, docs/SECURITY.md).
			 */
			::malloc_trim(0);
		});
	}

	/*
	 * The clipboard (config clipboard="yes"): a Report "clipboard" for the
	 * viewers' text and a ROM "clipboard" whose text goes to the viewers,
	 * both served by a clipboard component that decides who sees what
	 */
	struct Clipboard_bridge
	{
		std::unique_ptr<Report::Connection> report;
		Attached_dataspace                  buffer;
		std::unique_ptr<Rom::Connection>    rom;
		Attached_dataspace                  content { };
	};

	enum : size_t { CLIPBOARD_REPORT_BYTES = 2 * MAX_CUT_TEXT + 64 };   /* the text, escaped */

	std::optional<Clipboard_bridge> _clipboard { };
	std::string _clipboard_text { };
	bool        _clipboard_failed = false;   /* logged once */

	Signal_handler<Main> _clipboard_handler { _env.ep(), *this, &Main::_handle_clipboard };

	void _open_clipboard()
	{
		if (_clipboard || _clipboard_failed) return;
		std::string const args = "buffer_size=" + std::to_string(CLIPBOARD_REPORT_BYTES)
		                       + ", ram_quota=" + std::to_string(CLIPBOARD_REPORT_BYTES);
		auto report = Report::Connection::open(_env, "clipboard", args);
		auto rom    = Rom::Connection::open(_env, "clipboard");
		auto ds     = report ? (*report)->dataspace() : Result<Dataspace_capability>(failure(report.error()));
		if (!report || !rom || !ds) {
			Error const e = !report ? report.error() : !rom ? rom.error() : ds.error();
			error("no clipboard (Report and ROM \"clipboard\"): ", error_name(e));
			_clipboard_failed = true;
			return;
		}
		_clipboard.emplace(Clipboard_bridge { std::move(*report), Attached_dataspace(std::move(*ds)), std::move(*rom) });
		(void)_clipboard->rom->sigh(_clipboard_handler.cap());
		_handle_clipboard();
		log("clipboard: viewers' text goes to Report \"clipboard\", ROM \"clipboard\" to the viewers");
	}

	void _handle_clipboard()
	{
		if (!_clipboard) return;
		auto in_place = _clipboard->rom->update();
		if (!in_place || !*in_place) {
			auto ds = _clipboard->rom->dataspace();
			_clipboard->content = ds ? Attached_dataspace(std::move(*ds)) : Attached_dataspace();
		}
		std::string_view xml;
		if (_clipboard->content.valid()) {
			xml = { _clipboard->content.local_addr<char>(), _clipboard->content.size() };
			xml = xml.substr(0, xml.find('\0'));
		}
		/* none (yet), or not for us to read: the viewers keep what they have */
		std::string text = Cut_text_codec::text_of_clipboard_xml(xml);
		if (text.empty() || text == _clipboard_text) return;
		_clipboard_text = std::move(text);
		if (_verbose) log("clipboard: ", _clipboard_text.size(), " bytes to the viewers");
		for (Session &s : _sessions) s.clipboard_changed(_clipboard_text);
	}

	std::string const &clipboard() override { return _clipboard_text; }

	void clipboard_from_viewer(Session &from, std::string const &utf8) override
	{
		if (!_clipboard) return;
		std::string const xml = Cut_text_codec::clipboard_xml(utf8);
		if (xml.size() > _clipboard->buffer.size()) {
			warning("clipboard text of ", from.peer(), " too long for the report (", xml.size(), " bytes escaped)");
			return;
		}
		std::memcpy(_clipboard->buffer.local_addr(), xml.data(), xml.size());
		if (auto r = _clipboard->report->submit(xml.size()); !r)
			warning("clipboard report failed: ", error_name(r.error()));
		else if (_verbose)
			log("clipboard: ", utf8.size(), " bytes from ", from.peer());
	}

	/* Sync_control interface, for the Framebuffer sessions */

	void sync_sighs_changed() override { _sync.sessions_changed(); }

	void damage(Rect rect) override { _capture.damage(rect); }

	/* Frame_listener interface, for the screen capture */

	bool wants_copy(uint64_t from_serial) override
	{
		return std::any_of(_sessions.begin(), _sessions.end(),
		                   [&] (Session const &s) { return s.wants_copy(from_serial); });
	}

	void frame_changed(Tile_set const &tiles, Copy_plan const *copy) override
	{
		for (Session &s : _sessions) s.frame_changed(tiles, copy);
	}

	bool _set_mode(Area area, Session *requester)
	{
		if (auto set = _screen.set_mode(area); !set) {
			error("no buffer for mode ", area.w, "x", area.h, ": ", error_name(set.error()));
			return false;
		}
		_capture.reset(area);
		_fb_root.notify_mode();
		for (Session &s : _sessions)
			s.mode_changed(!requester ? BY_SERVER : &s == requester ? BY_THIS_CLIENT : BY_OTHER_CLIENT, 0);
		return true;
	}

	/* connections */

	void _accepted(int fd)
	{
		Endpoint const peer = Endpoint::of(fd, true);
		std::string const address = peer.text.substr(0, peer.text.rfind(':'));
		if (!make_room(_sessions, address, _limits, _admission_warning)) {
			_admission_warning("refused ", peer.text, ": ", _limits.max_clients, " viewers already");
			::close(fd);
			return;
		}
		_sessions.emplace_back(_env.ep(), *this, fd, peer.text, monotonic_ms());
		_handle_deadlines();
	}

	/*
	 * Deadlines of connections: one that sent no HTTP request in time is an
	 * RFB client; one that did not finish its handshake in time is closed
	 */
	void _handle_deadlines()
	{
		uint64_t const now = monotonic_ms();
		std::optional<uint64_t> next = enforce_handshake_deadline(_sessions, now, _limits);
		for (Session &s : _sessions) {
			uint64_t const window = _browsers.detect_window_ms(s.address(), now, _limits);
			s.detect_timeout(now, window);
			if (s.detecting())
				next = std::min(next.value_or(UINT64_MAX), s.accepted_ms() + window);
		}
		if (next) (void)_detect_timer.trigger_once((*next > now ? *next - now : 1) * 1000);
	}

	void _listen(pugi::xml_node config)
	{
		if (!_capture.frames().current()) {
			error("no screen (see above): not serving");
			return;
		}
		int fd = -1;
		for (auto const &[name, granted] : _env.host_fds())
			if (name.starts_with("tcp:")) { fd = granted; break; }
		if (fd < 0) {
			error("no TCP listener granted: add <host> <tcp listen=\"5900\"/> </host> to the start node");
			return;
		}
		Endpoint const local = Endpoint::of(fd, false);
		bool const loopback_only = config.attribute("loopback_only").as_bool(true);
		if (!may_serve(local, loopback_only)) {
			error("not serving on ", local.text, ": not a loopback address"
			      " (set <config loopback_only=\"no\"> to serve the network)");
			return;
		}
		_loopback = local.loopback;
		_apply_security(config);
		_listener.emplace(_env.ep(), fd, [this] (int c) { _accepted(c); });
		bool const open = _security.vencrypt.empty() && _security.plain == std::vector<uint32_t> { SECURITY_NONE };
		log("listening on ", local.text, open ? "" : " (security " + _security_text() + ")");

		/* what the clients may make us hold at most, for the RAM quota (README.md, "Start node") */
		size_t const cap = client_cap();
		log("at most ", _limits.max_clients, " clients of ", cap >> 10, " KiB each (",
		    (_limits.max_clients * cap) >> 20, " MiB)");
	}

	/* security: the types offered, TLS */

	std::string _security_text() const
	{
		std::string text;
		auto add = [&] (uint32_t t) { text += (text.empty() ? "" : ", ") + std::string(security_name(t)); };
		if (_security.tls_first) for (uint32_t t : _security.vencrypt) add(t);
		for (uint32_t t : _security.plain) add(t);
		if (!_security.tls_first) for (uint32_t t : _security.vencrypt) add(t);
		return text.empty() ? "none: every viewer is refused" : text;
	}

	/* The text of the ROM 'name', or nullopt with the reason in 'error' */
	std::optional<std::string> _read_rom(std::string const &name, std::string &error)
	{
		auto rom = Rom::Connection::open(_env, name);
		if (!rom) { error = "ROM \"" + name + "\": " + std::string(error_name(rom.error())); return std::nullopt; }
		auto ds = (*rom)->dataspace();
		if (!ds) { error = "ROM \"" + name + "\": " + std::string(error_name(ds.error())); return std::nullopt; }
		Attached_dataspace const attached(std::move(*ds));
		if (!attached.valid()) { error = "ROM \"" + name + "\" is empty"; return std::nullopt; }
		std::string_view const text(attached.local_addr<char>(), attached.size());
		return std::string(text.substr(0, text.find('\0')));
	}

	/*
	 * The security types to offer and the TLS they need, from the config:
	 * <config security="…" password="…" view_password="…"> <tls
	 * certificate_rom="…" key_rom="…"/>. The certificate and key are read
	 * at each config change (a sealed component opens no files: they come
	 * as ROMs). Sessions already running keep the TLS they began with.
	 * What it says (the types, and why some are missing) is said again
	 * only when it changed: configs change for every <capture>.
	 */
	void _apply_security(pugi::xml_node config)
	{
		std::vector<std::string> problems;
		std::string certificate, key, why;
		if (pugi::xml_node const tls = config.child("tls")) {
			std::string const cert_rom = tls.attribute("certificate_rom").as_string();
			std::string const key_rom  = tls.attribute("key_rom").as_string();
			if (cert_rom.empty() || key_rom.empty())
				why = "<tls> needs both certificate_rom and key_rom";
			else if (auto c = _read_rom(cert_rom, why))
				if (auto k = _read_rom(key_rom, why)) { certificate = std::move(*c); key = std::move(*k); }
			if (!why.empty()) problems.push_back("no TLS certificate: " + why);
		}
		bool const password = !_password.empty() || !_view_password.empty();
		std::string_view const list = config.attribute("security").as_string();

		Security_result result = security_offer({ list, _loopback, !certificate.empty(), password });
		_tls.reset();
		if (!result.error.empty()) {
			problems.push_back("config: " + result.error);
			result.offer = { };
		} else if (!result.offer.vencrypt.empty()) {
			Tls_context::Created created = Tls_context::create(certificate, key);
			if (!created.error.empty()) problems.push_back("TLS: " + created.error);
			_tls = std::move(created.context);
			if (!_tls || !_tls->x509())   /* without the certificate after all */
				result = security_offer({ list, _loopback, false, password });
			if (!_tls) result.offer.vencrypt.clear();
		}
		_security = result.offer;

		std::string said = _security_text();
		for (std::string const &p : problems) said += "\n" + p;
		if (!result.left_out.empty()) said += "\nnot offered: " + result.left_out;
		if (said == _security_said) return;
		_security_said = said;
		for (std::string const &p : problems) error(p);
		if (!result.left_out.empty()) warning("security types not offered: ", result.left_out);
		if (_listener) log("security ", _security_text());
	}

	/* config */

	void _apply_mode(pugi::xml_node config)
	{
		auto const requested = requested_mode(config, _screen.mode().area);
		if (!requested) return;
		if (_set_mode(*requested, nullptr)) log("mode ", requested->w, "x", requested->h);
	}

	void _handle_config() { if (_config.update()) _apply_config(); }

	void _apply_config()
	{
		pugi::xml_node const config = _config.node();
		_verbose     = config.attribute("verbose").as_bool(false);
		_password      = config.attribute("password").value();
		_view_password = config.attribute("view_password").value();
		_resizable   = config.attribute("resizable").as_bool(true);
		Admission_limits const defaults { };
		_limits.max_clients     = std::max(config.attribute("max_clients").as_uint(defaults.max_clients), 1u);
		_limits.max_handshaking = std::max(config.attribute("max_handshakes").as_uint(defaults.max_handshaking), 1u);
		_limits.max_handshaking_per_address =
			std::max(config.attribute("max_handshakes_per_address").as_uint(defaults.max_handshaking_per_address), 1u);
		_limits.handshake_ms =
			uint64_t(std::max(config.attribute("handshake_timeout").as_uint(unsigned(defaults.handshake_ms / 1000)), 1u)) * 1000;
		_limits.http_detect_ms    = uint64_t(config.attribute("http_detect_ms").as_ullong(defaults.http_detect_ms));
		_limits.browser_detect_ms = std::max<uint64_t>(config.attribute("browser_detect_ms").as_ullong(defaults.browser_detect_ms),
		                                     _limits.http_detect_ms);

		std::string const name = config.attribute("name").as_string("nestbox");
		if (name != _name) {
			_name = name;
			for (Session &s : _sessions) s.name_changed();
		}
		if (_password.size() > 8 || _view_password.size() > 8)
			warning("VNC authentication uses the first 8 characters of a password only");
		if (_listener) _apply_security(config);

		_apply_mode(config);
		if (config.attribute("clipboard").as_bool(false)) _open_clipboard();
		_script.apply(config, _input_root, _screenshot, _screen, _verbose);
	}

	Main(Env &env) : _env(env)
	{
		(void)_detect_timer.sigh(_detect_handler.cap());
		(void)_refresh_timer.sigh(_refresh_handler.cap());
		_config.sigh(_config_handler.cap());
		_apply_config();   /* fetched already, for the threads */
		if (!_screen.mode().area.w) _apply_mode(pugi::xml_node());   /* the default mode */

		_listen(_config.node());
		(void)announce(_env, "Framebuffer", _fb_root);
		(void)announce(_env, "Input",       _input_root);
	}
};


void nestbox::construct(nestbox::Env &env) { static Vnc::Main main(env); }
