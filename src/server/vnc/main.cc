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

#include <list>
#include <optional>
#include <string>
#include <sched.h>
#include <time.h>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>
#include <nestbox/timer.h>

#include <nestbox/fb_driver/framebuffer.h>
#include <nestbox/fb_driver/input.h>
#include <nestbox/fb_driver/screen.h>
#include <nestbox/fb_driver/screenshot.h>
#include <nestbox/fb_driver/script.h>
#include <nestbox/fb_driver/sync_timer.h>

#include "auth_blacklist.h"
#include "client.h"
#include "listener.h"

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Timer"/> <service name="Report" optional="yes"/> </requires>
		<provides> <service name="Framebuffer"/> <service name="Input"/> </provides>
	</manifest>)");

namespace Vnc {

	using namespace nestbox;
	using namespace Fb_driver;

	struct Main;
}


struct Vnc::Main : Sync_control, Server
{
	Env &_env;

	static uint64_t _now_ms()
	{
		timespec ts { };
		::clock_gettime(CLOCK_MONOTONIC, &ts);
		return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1000000;
	}

	Config_document _config { _env };
	bool            _verbose = false;
	std::string     _name { "nestbox" };
	std::string     _password { };
	bool            _resizable = true;
	unsigned        _max_clients = 16;

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

	Screen           _screen     { _env.pd() };
	Framebuffer_root _fb_root    { _env.ep(), _screen, *this, _verbose };
	Input_root       _input_root { _env.ep(), _env.pd() };
	Screenshot       _screenshot { _env };
	Sync_timer       _sync       { _env, _fb_root, _verbose };

	Frame_history _frames { };
	Tile_set      _damage { };
	bool          _capture_scheduled = false;
	Encode_pool   _pool { _env.ep(), _threads, _cache_bytes };

	std::list<std::shared_ptr<Client>> _clients { };
	std::optional<Listener>            _listener { };

	Signal_handler<Main> _config_handler { _env.ep(), *this, &Main::_handle_config };
	Signal_handler<Main> _detect_handler { _env.ep(), *this, &Main::_handle_detect_timeout };
	Signal_handler<Main> _capture_handler { _env.ep(), *this, &Main::_capture };

	Config_script _script { };   /* <inject>, <capture> */

	/* Server interface, for the clients */

	Frame_history     &frames()       override { return _frames; }
	Encode_pool       &pool()         override { return _pool; }
	std::string const &desktop_name() override { return _name; }
	std::string const &password()     override { return _password; }

	void submit_input(std::span<Input::Event const> events) override { _input_root.submit(events); }

	Auth_blacklist _auth_blacklist { };

	bool auth_blocked(std::string const &address) override { return _auth_blacklist.blocked(address, _now_ms()); }

	void auth_result(std::string const &address, bool ok) override
	{
		if (ok) { _auth_blacklist.succeeded(address); return; }
		if (uint64_t const ms = _auth_blacklist.failed(address, _now_ms()))
			warning("too many authentication failures from ", address, ": refused for ", ms / 1000, " s");
	}

	uint32_t request_mode(Area area, Client &requester) override
	{
		enum : uint32_t { PROHIBITED = 1, OUT_OF_RESOURCES = 2, INVALID = 3 };
		if (!_resizable) return PROHIBITED;
		if (area.w == 0 || area.h == 0 || area.w > Screen::MAX_SIDE || area.h > Screen::MAX_SIDE) return INVALID;
		if (area.w == _screen.mode().area.w && area.h == _screen.mode().area.h) {
			requester.mode_changed(Client::BY_THIS_CLIENT, 0);
			return 0;
		}
		if (!_set_mode(area, &requester)) return OUT_OF_RESOURCES;
		log("mode ", area.w, "x", area.h, " requested by ", requester.peer());
		return 0;
	}

	void closed(Client &client) override
	{
		Client *gone = &client;
		_env.ep().schedule([this, gone] {
			_clients.remove_if([gone] (std::shared_ptr<Client> const &c) { return c.get() == gone; });
		});
	}

	/* Sync_control interface, for the Framebuffer sessions */

	void sync_sighs_changed() override { _sync.sessions_changed(); }

	/*
	 * Damage is collected for a millisecond and taken as one frame: a
	 * client that refreshes a frame in several pieces (a caret, then a
	 * clock) costs its viewers one update, not several, at a latency far
	 * below a frame's.
	 */
	static constexpr uint64_t CAPTURE_DEFER_US = 1000;

	void damage(Rect rect) override
	{
		_damage.add(rect);
		if (_capture_scheduled) return;
		_capture_scheduled = true;
		if (!_capture_timer.trigger_once(CAPTURE_DEFER_US))
			_env.ep().schedule([this] { _capture(); });
	}

	void _capture()
	{
		_capture_scheduled = false;
		if (_damage.empty() || !_screen.pixels()) return;
		std::shared_ptr<Frame const> const previous = _frames.current();
		Tile_set const changed = _frames.capture(_screen.pixels(), _damage);
		_damage.clear_all();
		if (changed.empty()) return;

		std::optional<Copy_plan> const copy = _detect_copy(*previous, changed);
		for (auto &c : _clients) c->frame_changed(changed, copy ? &*copy : nullptr);
	}

	/*
	 * Moved content, if a viewer could use it. Where nothing moves (an
	 * animation), each miss doubles the number of frames not searched,
	 * up to 16: detection costs little where it finds nothing (a few
	 * milliseconds a search at 1080p).
	 */
	unsigned              _copy_misses = 0, _copy_skip = 0;
	std::optional<Offset> _copy_hint { };   /* the last offset found, tried first */

	std::optional<Copy_plan> _detect_copy(Frame const &previous, Tile_set const &changed)
	{
		bool const wanted = std::any_of(_clients.begin(), _clients.end(),
		                                [&] (auto const &c) { return c->wants_copy(previous.serial); });
		if (!wanted) return std::nullopt;
		if (_copy_skip) { _copy_skip--; return std::nullopt; }

		/* a plan that copies little (a stray match in an animation) is used, but counts as a miss */
		auto plan = detect_copy(previous, *_frames.current(), changed, _copy_hint);
		if (plan && plan->tiles.count() * 8 >= changed.count()) {
			_copy_misses = 0;
			_copy_hint = Offset { plan->dx, plan->dy };
		} else {
			_copy_skip = std::min(1u << std::min(_copy_misses++, 4u), 16u) - 1;
			_copy_hint.reset();
		}
		return plan;
	}

	bool _set_mode(Area area, Client *requester)
	{
		if (auto set = _screen.set_mode(area); !set) {
			error("no buffer for mode ", area.w, "x", area.h, ": ", error_name(set.error()));
			return false;
		}
		_frames.reset(area);
		_damage = Tile_set(area);
		_fb_root.notify_mode();
		for (auto &c : _clients)
			c->mode_changed(!requester ? Client::BY_SERVER : c.get() == requester ? Client::BY_THIS_CLIENT
			                                                                      : Client::BY_OTHER_CLIENT, 0);
		return true;
	}

	/* connections */

	void _accepted(int fd)
	{
		Endpoint const peer = Endpoint::of(fd, true);
		if (_clients.size() >= _max_clients) {
			warning("refused ", peer.text, ": ", _max_clients, " clients already");
			::close(fd);
			return;
		}
		uint64_t const now = _now_ms();
		auto client = std::make_shared<Client>(_env.ep(), *this, fd, peer.text, now);
		_clients.push_back(client);
		(void)_detect_timer.trigger_once((client->detect_deadline_ms() - now) * 1000);
	}

	/* Connections that sent no HTTP request in time are RFB clients */
	void _handle_detect_timeout()
	{
		uint64_t const now = _now_ms();
		std::optional<uint64_t> next;
		for (auto &c : _clients) {
			c->detect_timeout(now);
			if (c->phase() == Client::Phase::DETECT)
				next = std::min(next.value_or(UINT64_MAX), c->detect_deadline_ms());
		}
		if (next) (void)_detect_timer.trigger_once((*next > now ? *next - now : 1) * 1000);
	}

	void _listen(pugi::xml_node config)
	{
		if (!_frames.current()) {
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
		_listener.emplace(_env.ep(), fd, [this] (int c) { _accepted(c); });
		log("listening on ", local.text, _password.empty() ? "" : " (VNC authentication)");
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
		_password    = config.attribute("password").value();
		_resizable   = config.attribute("resizable").as_bool(true);
		_max_clients = config.attribute("max_clients").as_uint(16);

		std::string const name = config.attribute("name").as_string("nestbox");
		if (name != _name) {
			_name = name;
			for (auto &c : _clients) c->name_changed();
		}
		if (_password.size() > 8) warning("VNC authentication uses the first 8 characters of the password only");

		_apply_mode(config);
		_script.apply(config, _input_root, _screenshot, _screen, _verbose);
	}

	Main(Env &env) : _env(env)
	{
		(void)_detect_timer.sigh(_detect_handler.cap());
		(void)_capture_timer.sigh(_capture_handler.cap());
		_config.sigh(_config_handler.cap());
		_apply_config();   /* fetched already, for the threads */
		if (!_screen.mode().area.w) _apply_mode(pugi::xml_node());   /* the default mode */

		_listen(_config.node());
		(void)announce(_env, "Framebuffer", _fb_root);
		(void)announce(_env, "Input",       _input_root);
	}
};


void nestbox::construct(nestbox::Env &env) { static Vnc::Main main(env); }
