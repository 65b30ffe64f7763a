/*
 * vnc_workload: the VNC benchmark's frames drawn into a Framebuffer session
 *
 * The nestbox half of bench/vnc (run by bench/vnc/run_vnc_bench.py): a
 * periodic timer draws frame after frame of one workload of workload.h
 * straight into the framebuffer dataspace and refreshes what changed. A key
 * press shows the input marker at once, its release removes it; the meter
 * times press to marker. Config (the defaults):
 *
 *   <config workload="idle" fps="30"/>     workload: idle, scroll, window, animation
 *
 * Sessions: Framebuffer and Input (both from the vnc server), Timer.
 */

#include <algorithm>
#include <optional>
#include <string>

#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>
#include <nestbox/session/framebuffer.h>
#include <nestbox/session/input.h>
#include <nestbox/timer.h>

#include "workload.h"

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Framebuffer"/> <service name="Input"/> <service name="Timer"/> </requires>
	</manifest>)");

namespace Vnc_workload {

	using namespace nestbox;

	using Framebuffer_connection = Connection<Framebuffer::Client>;
	using Input_connection       = Connection<Input::Client>;

	struct Main;
}


struct Vnc_workload::Main
{
	enum { LOG_INTERVAL = 300 };

	Env &_env;

	Config_document        _config { _env };
	Framebuffer_connection _fb     { _env };
	Input_connection       _input  { _env };
	Timer::Connection      _timer  { _env };

	Vnc_bench::Workload _workload = Vnc_bench::Workload::IDLE;
	unsigned            _fps      = 30;

	Framebuffer::Mode                _mode   { { 0, 0 }, false };
	Attached_dataspace               _pixels { };
	Attached_dataspace               _events { };
	std::optional<Vnc_bench::Frames> _frames { };

	uint64_t _frame  = 0;
	uint64_t _missed = 0;
	bool     _marker = false;

	uint32_t *_px() { return _pixels.local_addr<uint32_t>(); }

	void _refresh(Vnc_bench::Rect r)
	{
		if (!r.empty())
			(void)_fb.refresh(Rect { { r.x, r.y }, { uint32_t(r.w), uint32_t(r.h) } });
	}

	/* Draw frame '_frame' where it differs from the one before, the marker on top */
	void _draw(Vnc_bench::Rect changed)
	{
		if (!_frames || !_pixels.valid()) return;
		_frames->draw(_frame, changed, _px(), _mode.area.w);
		if (_marker && !changed.intersect(Vnc_bench::Frames::marker()).empty())
			Vnc_bench::Frames::draw_marker(_px(), _mode.area.w);
		_refresh(changed);
	}

	void _restart()
	{
		_frames.reset();
		auto mode = _fb.mode();
		auto ds   = _fb.dataspace();
		if (!mode || !ds) {
			error("cannot fetch the framebuffer");
			return;
		}
		_mode   = *mode;
		_pixels = Attached_dataspace(std::move(*ds));
		if (!_pixels.valid() || _pixels.size() < _mode.bytes()
		 || _mode.area.w < Vnc_bench::MARKER_X + Vnc_bench::MARKER_SIZE
		 || _mode.area.h < Vnc_bench::MARKER_Y + Vnc_bench::MARKER_SIZE) {
			error("unusable framebuffer ", _mode.area.w, "x", _mode.area.h);
			_pixels = { };
			return;
		}
		_frames.emplace(_workload, int(_mode.area.w), int(_mode.area.h));
		_frame  = 0;
		_missed = 0;
		_draw(_frames->screen());
		(void)_timer.trigger_periodic(1'000'000 / _fps);
		log("workload ", std::string(_config.node().attribute("workload").as_string("idle")),
		    " at ", _fps, " fps on ", _mode.area.w, "x", _mode.area.h);
	}

	Signal_handler<Main> _config_handler { _env.ep(), *this, &Main::_handle_config };

	void _handle_config()
	{
		if (!_config.update()) return;
		pugi::xml_node const node = _config.node();
		std::string const name = node.attribute("workload").as_string("idle");
		auto workload = Vnc_bench::workload_from_name(name);
		if (!workload) {
			error("unknown workload '", name, "', idle instead");
			workload = Vnc_bench::Workload::IDLE;
		}
		_workload = *workload;
		_fps      = std::clamp(node.attribute("fps").as_uint(30), 1u, 1000u);
		_restart();
	}

	Signal_handler<Main> _mode_handler { _env.ep(), *this, &Main::_handle_mode };

	void _handle_mode() { _restart(); }

	Signal_handler<Main> _tick_handler { _env.ep(), *this, &Main::_handle_tick };

	void _handle_tick(unsigned ticks)
	{
		if (!_frames) return;

		/* one frame per handled signal: frame N always shows the same */
		_missed += ticks > 1 ? ticks - 1 : 0;
		_frame++;
		_draw(_frames->changed(_frame));
		if (_frames->tag_separate(_frame)) _draw(_frames->tag());

		if (_frame % LOG_INTERVAL == 0)
			log("frame ", _frame, " (", _missed, " ticks missed)");
	}

	/* The meter's probe: the marker right away on a press, gone on the release */
	void _handle_event(Input::Event const &e)
	{
		if (!_frames || !_pixels.valid()) return;
		if (e.press() && !_marker) {
			_marker = true;
			Vnc_bench::Frames::draw_marker(_px(), _mode.area.w);
			_refresh(Vnc_bench::Frames::marker());
		}
		if (e.release() && _marker) {
			_marker = false;
			_frames->draw(_frame, Vnc_bench::Frames::marker(), _px(), _mode.area.w);
			_refresh(Vnc_bench::Frames::marker());
		}
	}

	Signal_handler<Main> _input_handler { _env.ep(), *this, &Main::_handle_input };

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

	Main(Env &env) : _env(env)
	{
		auto events = _input.dataspace();
		if (events) _events = Attached_dataspace(std::move(*events));
		if (!_events.valid() || _events.size() < Input::EVENT_BUFFER_SIZE) {
			error("no usable input event buffer");
			env.exit(1);
		}

		_config.sigh(_config_handler.cap());
		(void)_fb.mode_sigh(_mode_handler.cap());
		(void)_timer.sigh(_tick_handler.cap());
		(void)_input.sigh(_input_handler.cap());
		_handle_config();
		_handle_input();
	}
};


void nestbox::construct(nestbox::Env &env) { static Vnc_workload::Main main(env); }
