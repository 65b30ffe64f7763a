/*
 * fb_sdl: a display in an SDL2 window on the host
 *
 * It provides a Framebuffer whose pixels are shown in a window of the
 * configured size and an Input whose events are the window's mouse and
 * keyboard events. SDL has no descriptor the entrypoint could wait on, so a
 * 10 ms timer polls its events; the same tick presents the damage that
 * clients reported, at most about 60 times a second. See README.md.
 */

#include <array>
#include <optional>
#include <vector>

#include <stdlib.h>

#include <linux/input-event-codes.h>
#include <SDL.h>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>
#include <nestbox/timer.h>
#include <nestbox/util/monotonic.h>

/* the services are fb_headless's: only what shows the screen differs */
#include <nestbox/fb_driver/framebuffer.h>
#include <nestbox/fb_driver/input.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Timer"/> </requires>
		<provides> <service name="Framebuffer"/> <service name="Input"/> </provides>
	</manifest>)");

namespace Fb_sdl {

	using namespace Fb_driver;

	struct Main;

	uint32_t evdev_code(SDL_Scancode);
}


/* SDL scancodes (USB HID usage) to Linux evdev key codes; 0: none */
uint32_t Fb_sdl::evdev_code(SDL_Scancode s)
{
	static constexpr uint32_t letters[26] = {
		KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K, KEY_L, KEY_M,
		KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z };
	static constexpr uint32_t digits[10] = {   /* SDL: 1 … 9, 0 */
		KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7, KEY_8, KEY_9, KEY_0 };
	static constexpr uint32_t fkeys[12] = {
		KEY_F1, KEY_F2, KEY_F3, KEY_F4, KEY_F5, KEY_F6, KEY_F7, KEY_F8, KEY_F9, KEY_F10, KEY_F11, KEY_F12 };

	if (s >= SDL_SCANCODE_A  && s <= SDL_SCANCODE_Z)   return letters[s - SDL_SCANCODE_A];
	if (s >= SDL_SCANCODE_1  && s <= SDL_SCANCODE_0)   return digits[s - SDL_SCANCODE_1];
	if (s >= SDL_SCANCODE_F1 && s <= SDL_SCANCODE_F12) return fkeys[s - SDL_SCANCODE_F1];

	switch (s) {
	case SDL_SCANCODE_RETURN:       return KEY_ENTER;
	case SDL_SCANCODE_ESCAPE:       return KEY_ESC;
	case SDL_SCANCODE_BACKSPACE:    return KEY_BACKSPACE;
	case SDL_SCANCODE_TAB:          return KEY_TAB;
	case SDL_SCANCODE_SPACE:        return KEY_SPACE;
	case SDL_SCANCODE_MINUS:        return KEY_MINUS;
	case SDL_SCANCODE_EQUALS:       return KEY_EQUAL;
	case SDL_SCANCODE_LEFTBRACKET:  return KEY_LEFTBRACE;
	case SDL_SCANCODE_RIGHTBRACKET: return KEY_RIGHTBRACE;
	case SDL_SCANCODE_BACKSLASH:    return KEY_BACKSLASH;
	case SDL_SCANCODE_SEMICOLON:    return KEY_SEMICOLON;
	case SDL_SCANCODE_APOSTROPHE:   return KEY_APOSTROPHE;
	case SDL_SCANCODE_GRAVE:        return KEY_GRAVE;
	case SDL_SCANCODE_COMMA:        return KEY_COMMA;
	case SDL_SCANCODE_PERIOD:       return KEY_DOT;
	case SDL_SCANCODE_SLASH:        return KEY_SLASH;
	case SDL_SCANCODE_CAPSLOCK:     return KEY_CAPSLOCK;
	case SDL_SCANCODE_INSERT:       return KEY_INSERT;
	case SDL_SCANCODE_DELETE:       return KEY_DELETE;
	case SDL_SCANCODE_HOME:         return KEY_HOME;
	case SDL_SCANCODE_END:          return KEY_END;
	case SDL_SCANCODE_PAGEUP:       return KEY_PAGEUP;
	case SDL_SCANCODE_PAGEDOWN:     return KEY_PAGEDOWN;
	case SDL_SCANCODE_RIGHT:        return KEY_RIGHT;
	case SDL_SCANCODE_LEFT:         return KEY_LEFT;
	case SDL_SCANCODE_DOWN:         return KEY_DOWN;
	case SDL_SCANCODE_UP:           return KEY_UP;
	case SDL_SCANCODE_LCTRL:        return KEY_LEFTCTRL;
	case SDL_SCANCODE_LSHIFT:       return KEY_LEFTSHIFT;
	case SDL_SCANCODE_LALT:         return KEY_LEFTALT;
	case SDL_SCANCODE_LGUI:         return KEY_LEFTMETA;
	case SDL_SCANCODE_RCTRL:        return KEY_RIGHTCTRL;
	case SDL_SCANCODE_RSHIFT:       return KEY_RIGHTSHIFT;
	case SDL_SCANCODE_RALT:         return KEY_RIGHTALT;
	case SDL_SCANCODE_RGUI:         return KEY_RIGHTMETA;
	default:                        return 0;
	}
}


struct Fb_sdl::Main : Sync_control
{
	Env &_env;

	static constexpr uint64_t TICK_US  = 10000;            /* event polling */
	static constexpr uint64_t FRAME_NS = 1000000000 / 60;  /* presenting, sync signals */

	Config_document _config  { _env };
	bool            _verbose = false;

	Timer::Connection _timer { _env };
	bool              _syncing = false;

	Screen           _screen     { _env.pd() };
	Framebuffer_root _fb_root    { _env.ep(), _screen, *this, _verbose };
	Input_root       _input_root { _env.ep(), _env.pd() };

	Signal_handler<Main> _config_handler { _env.ep(), *this, &Main::_handle_config };
	Signal_handler<Main> _tick_handler   { _env.ep(), *this, &Main::_handle_tick };

	SDL_Window   *_window   = nullptr;
	SDL_Renderer *_renderer = nullptr;
	SDL_Texture  *_texture  = nullptr;

	std::optional<Rect> _dirty { };          /* damage not yet presented */
	uint64_t            _last_frame_ns = 0;

	static uint64_t _now_ns() { return monotonic_ns(); }

	/*
	 * The tick runs while the window exists (events must be polled) or
	 * while a client wants sync signals.
	 */
	void _update_timer()
	{
		bool const run = _window || _syncing;
		(void)_timer.trigger_periodic(run ? TICK_US : 0);
	}

	void sync_sighs_changed() override
	{
		bool const wanted = _fb_root.any_wants_sync();
		if (wanted == _syncing) return;
		_syncing = wanted;
		_update_timer();
		if (_verbose) log(wanted ? "sync signals started" : "sync signals stopped");
	}

	void damage(Rect r) override
	{
		_dirty = _dirty ? bounding(*_dirty, r) : r;
	}

	void _present()
	{
		if (!_dirty || !_texture || !_screen.pixels()) return;
		Rect const r = _screen.clipped(*_dirty);
		_dirty.reset();
		if (r.empty()) return;

		uint32_t const stride = _screen.mode().area.w;
		SDL_Rect const sr { r.at.x, r.at.y, int(r.area.w), int(r.area.h) };
		Framebuffer::Pixel const *src = _screen.pixels() + size_t(r.at.y) * stride + size_t(r.at.x);
		if (SDL_UpdateTexture(_texture, &sr, src, int(stride * sizeof(Framebuffer::Pixel))) != 0) {
			warning("texture update failed: ", SDL_GetError());
			return;
		}
		SDL_RenderClear(_renderer);
		SDL_RenderCopy(_renderer, _texture, nullptr, nullptr);
		SDL_RenderPresent(_renderer);
	}

	void _submit(Input::Event::Type type, uint32_t code = 0, int32_t x = 0, int32_t y = 0)
	{
		Input::Event const e { type, code, x, y, 0 };
		_input_root.submit(std::span<Input::Event const>(&e, 1));
	}

	static uint32_t _button_code(uint8_t button)
	{
		switch (button) {
		case SDL_BUTTON_LEFT:   return BTN_LEFT;
		case SDL_BUTTON_RIGHT:  return BTN_RIGHT;
		case SDL_BUTTON_MIDDLE: return BTN_MIDDLE;
		case SDL_BUTTON_X1:     return BTN_SIDE;
		case SDL_BUTTON_X2:     return BTN_EXTRA;
		default:                return 0;
		}
	}

	void _handle_event(SDL_Event const &ev)
	{
		using Input::Event;

		switch (ev.type) {
		case SDL_MOUSEMOTION:
			_submit(Event::ABS_MOTION, 0, ev.motion.x, ev.motion.y);
			break;
		case SDL_MOUSEBUTTONDOWN:
		case SDL_MOUSEBUTTONUP:
			if (uint32_t const code = _button_code(ev.button.button))
				_submit(ev.type == SDL_MOUSEBUTTONDOWN ? Event::PRESS : Event::RELEASE, code);
			break;
		case SDL_MOUSEWHEEL: {
			int32_t const sign = ev.wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? -1 : 1;
			_submit(Event::WHEEL, 0, sign * ev.wheel.x, sign * ev.wheel.y);
			break;
		}
		case SDL_KEYDOWN:
		case SDL_KEYUP:
			if (ev.key.repeat) break;
			if (uint32_t const code = evdev_code(ev.key.keysym.scancode))
				_submit(ev.type == SDL_KEYDOWN ? Event::PRESS : Event::RELEASE, code);
			else if (_verbose)
				log("no evdev code for SDL scancode ", int(ev.key.keysym.scancode));
			break;
		case SDL_WINDOWEVENT:
			switch (ev.window.event) {
			case SDL_WINDOWEVENT_FOCUS_GAINED: _submit(Event::FOCUS_ENTER); break;
			case SDL_WINDOWEVENT_FOCUS_LOST:   _submit(Event::FOCUS_LEAVE); break;
			case SDL_WINDOWEVENT_LEAVE:        _submit(Event::HOVER_LEAVE); break;
			case SDL_WINDOWEVENT_EXPOSED: _dirty = Rect { { 0, 0 }, _screen.mode().area }; break;
			case SDL_WINDOWEVENT_CLOSE:   log("window closed by the user, the display keeps running"); break;
			default: break;
			}
			break;
		case SDL_QUIT:
			/* the window manager's close button: a driver does not quit on it */
			break;
		default:
			break;
		}
	}

	void _handle_tick()
	{
		if (_window) {
			SDL_Event ev;
			while (SDL_PollEvent(&ev)) _handle_event(ev);
		}

		uint64_t const now = _now_ns();
		if (now - _last_frame_ns + TICK_US * 500 < FRAME_NS) return;   /* half a tick of slack */
		_last_frame_ns = now;

		_present();
		if (_syncing) _fb_root.notify_sync();
	}

	void _destroy_texture() { if (_texture) SDL_DestroyTexture(_texture); _texture = nullptr; }

	/* Texture (and window size) for the current mode */
	void _adapt_window()
	{
		if (!_window) return;
		Area const a = _screen.mode().area;
		_destroy_texture();
		SDL_SetWindowSize(_window, int(a.w), int(a.h));
		_texture = SDL_CreateTexture(_renderer, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING,
		                             int(a.w), int(a.h));
		if (!_texture) error("no texture of ", a.w, "x", a.h, ": ", SDL_GetError());
		_dirty = Rect { { 0, 0 }, a };
	}

	void _open_window()
	{
		SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
		/* the software renderer: GL drivers (llvmpipe) start threads of their own */
		SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
		SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");   /* the window surface via XShm, not GL */
		SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
		SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "1");   /* no D-Bus inhibit call */

		/*
		 * SDL connects to the D-Bus session bus (IME, screensaver); without
		 * an address libdbus would fork dbus-launch. A bus nobody granted
		 * is one that fails at once.
		 */
		setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/nestbox-no-session-bus", 0);

		if (SDL_Init(SDL_INIT_VIDEO) != 0) {
			error("SDL video unavailable: ", SDL_GetError(), " (is the component granted a display?)");
			return;
		}
		Area const a = _screen.mode().area;
		_window = SDL_CreateWindow("nestbox", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
		                           int(a.w), int(a.h), 0);
		if (!_window) { error("no window: ", SDL_GetError()); return; }

		_renderer = SDL_CreateRenderer(_window, -1, SDL_RENDERER_SOFTWARE);
		if (!_renderer) {
			error("no renderer: ", SDL_GetError());
			SDL_DestroyWindow(_window);
			_window = nullptr;
			return;
		}
		log("window ", a.w, "x", a.h, " on ", SDL_GetCurrentVideoDriver());
		_adapt_window();
	}

	void _apply_mode(pugi::xml_node config)
	{
		auto const requested = requested_mode(config, _screen.mode().area);
		if (!requested) return;
		Area const area = *requested;

		/* the texture refers to nothing of the old buffer, but must not outlive its size */
		if (auto set = _screen.set_mode(area); !set) {
			error("no buffer for mode ", area.w, "x", area.h, ": ", error_name(set.error()));
			return;
		}
		log("mode ", area.w, "x", area.h);
		_adapt_window();
		_fb_root.notify_mode();
	}

	void _handle_config()
	{
		if (!_config.update()) return;

		pugi::xml_node const config = _config.node();
		_verbose = config.attribute("verbose").as_bool(false);
		_apply_mode(config);
	}

	Main(Env &env) : _env(env)
	{
		(void)_timer.sigh(_tick_handler.cap());
		_config.sigh(_config_handler.cap());
		_handle_config();

		_open_window();
		_update_timer();

		(void)announce(_env, "Framebuffer", _fb_root);
		(void)announce(_env, "Input",       _input_root);
	}
};


void nestbox::construct(nestbox::Env &env) { static Fb_sdl::Main main(env); }
