/*
 * fb_client: a test client of the Framebuffer and Input services
 *
 * It draws a pattern that depends on the mode alone (so a screenshot can be
 * compared pixel by pixel), redraws it after each mode change, logs every
 * input event, and marks the pointer position with a square at each click
 * of the left button. See README.md for the pattern and the log lines.
 */

#include <algorithm>
#include <string>

#include <linux/input-event-codes.h>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/manifest.h>
#include <nestbox/session/framebuffer.h>
#include <nestbox/session/input.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Framebuffer"/> <service name="Input"/> </requires>
	</manifest>)");

namespace Fb_client {

	using namespace nestbox;

	using Framebuffer_connection = Connection<Framebuffer::Client>;
	using Input_connection       = Connection<Input::Client>;

	struct Main;
}


struct Fb_client::Main
{
	Env &_env;

	enum : Framebuffer::Pixel { BORDER = 0xff8000, MARKER = 0x40c0ff };
	enum : int { MARKER_SIZE = 7 };

	Attached_rom _config { _env, "config" };

	Framebuffer_connection _fb    { _env };
	Input_connection       _input { _env };

	Framebuffer::Mode  _mode   { { 0, 0 }, false };
	Attached_dataspace _pixels { };
	Attached_dataspace _events { };

	Point _pointer { 0, 0 };

	/* <config sync_frames="N">: count N sync signals, then unregister */
	unsigned _sync_wanted = 0, _synced = 0;

	Signal_handler<Main> _mode_handler  { _env.ep(), *this, &Main::_handle_mode };
	Signal_handler<Main> _input_handler { _env.ep(), *this, &Main::_handle_input };
	Signal_handler<Main> _sync_handler  { _env.ep(), *this, &Main::_handle_sync };

	void _fill(Rect r, Framebuffer::Pixel color)
	{
		Rect const c = intersect(r, Rect { { 0, 0 }, _mode.area });
		auto *px = _pixels.local_addr<Framebuffer::Pixel>();
		for (int32_t y = c.at.y; y < y_end(c); y++)
			for (int32_t x = c.at.x; x < x_end(c); x++)
				px[size_t(y) * _mode.area.w + size_t(x)] = color;
	}

	/*
	 * Eight color bars over the upper two thirds, a gray ramp below, and an
	 * orange frame around it all: the edges, every channel and the ramp
	 * catch a wrong stride, channel order or clipping in a screenshot.
	 */
	void _draw_pattern()
	{
		static Framebuffer::Pixel const bars[] = {
			0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000 };

		uint32_t const w = _mode.area.w, h = _mode.area.h;
		uint32_t const bars_h = h * 2 / 3;

		for (uint32_t i = 0; i < 8; i++) {
			uint32_t const x1 = w * i / 8, x2 = w * (i + 1) / 8;
			_fill(Rect { { int32_t(x1), 0 }, { x2 - x1, bars_h } }, bars[i]);
		}
		for (uint32_t x = 0; x < w; x++) {
			uint32_t const g = w > 1 ? x * 255 / (w - 1) : 0;
			_fill(Rect { { int32_t(x), int32_t(bars_h) }, { 1, h - bars_h } }, (g << 16) | (g << 8) | g);
		}
		_fill(Rect { { 0, 0 },              { w, 1 } }, BORDER);
		_fill(Rect { { 0, int32_t(h) - 1 }, { w, 1 } }, BORDER);
		_fill(Rect { { 0, 0 },              { 1, h } }, BORDER);
		_fill(Rect { { int32_t(w) - 1, 0 }, { 1, h } }, BORDER);

		(void)_fb.refresh(Rect { { 0, 0 }, _mode.area });
	}

	void _handle_mode()
	{
		auto mode = _fb.mode();
		auto ds   = _fb.dataspace();
		if (!mode || !ds) {
			error("cannot fetch the framebuffer");
			return;
		}
		_mode   = *mode;
		_pixels = Attached_dataspace(std::move(*ds));
		if (!_pixels.valid() || _pixels.size() < _mode.bytes()) {
			error("framebuffer dataspace too small for ", _mode.area.w, "x", _mode.area.h);
			_pixels = { };
			return;
		}
		_draw_pattern();
		log("drew ", _mode.area.w, "x", _mode.area.h);
	}

	void _mark_pointer()
	{
		Rect const r { { _pointer.x - MARKER_SIZE/2, _pointer.y - MARKER_SIZE/2 }, { MARKER_SIZE, MARKER_SIZE } };
		if (!_pixels.valid()) return;
		_fill(r, MARKER);
		(void)_fb.refresh(r);
	}

	void _handle_event(Input::Event const &e)
	{
		using Input::Event;
		std::string const xy = std::to_string(e.x) + "," + std::to_string(e.y);

		switch (e.type) {
		case Event::PRESS:
			/* marked before the line is logged: a test that saw the line may capture the mark */
			if (e.code == BTN_LEFT) _mark_pointer();
			if (e.unicode) log("input: press ", e.code, " unicode ", e.unicode);
			else           log("input: press ", e.code);
			break;
		case Event::RELEASE:       log("input: release ", e.code); break;
		case Event::ABS_MOTION:    _pointer = { e.x, e.y }; log("input: motion ", xy); break;
		case Event::REL_MOTION:    _pointer = { _pointer.x + e.x, _pointer.y + e.y }; log("input: rel_motion ", xy); break;
		case Event::WHEEL:         log("input: wheel ", xy); break;
		case Event::FOCUS_ENTER:   log("input: focus_enter"); break;
		case Event::FOCUS_LEAVE:   log("input: focus_leave"); break;
		case Event::HOVER_LEAVE:   log("input: hover_leave"); break;
		case Event::TOUCH:         log("input: touch ", e.code, " ", xy); break;
		case Event::TOUCH_RELEASE: log("input: touch_release ", e.code); break;
		default:                   log("input: invalid event type ", uint32_t(e.type)); break;
		}
	}

	void _handle_input()
	{
		for (;;) {
			auto n = _input.flush();
			if (!n || *n == 0) return;

			/* the server owns the count: never read beyond the buffer */
			uint32_t const count = std::min<uint32_t>(*n, Input::MAX_EVENTS);
			auto const *events = _events.local_addr<Input::Event>();
			for (uint32_t i = 0; i < count; i++) _handle_event(events[i]);
		}
	}

	void _handle_sync()
	{
		if (_sync_wanted == 0 || ++_synced < _sync_wanted) return;
		(void)_fb.sync_sigh(Signal_context_capability());
		log("synced ", _synced, " frames");
		_sync_wanted = 0;
	}

	Main(Env &env) : _env(env)
	{
		pugi::xml_document doc;
		doc.load_string(std::string(_config.text()).c_str());
		_sync_wanted = doc.document_element().attribute("sync_frames").as_uint(0);

		/* <config read_input="no">: a client that never reads its input, for flood tests */
		bool const read_input = doc.document_element().attribute("read_input").as_bool(true);

		auto events = _input.dataspace();
		if (events) _events = Attached_dataspace(std::move(*events));
		if (!_events.valid() || _events.size() < Input::EVENT_BUFFER_SIZE) {
			error("no usable input event buffer");
			env.exit(1);
		}

		(void)_fb.mode_sigh(_mode_handler.cap());
		_handle_mode();

		if (_sync_wanted) (void)_fb.sync_sigh(_sync_handler.cap());

		if (!read_input) return;
		(void)_input.sigh(_input_handler.cap());
		_handle_input();
	}
};


void nestbox::construct(nestbox::Env &env) { static Fb_client::Main main(env); }
