/*
 * Animation: moving shapes at a fixed frame rate, for benchmarks and demos
 *
 * A periodic timer drives the frames. What a frame shows depends on the
 * seed, the window size and the frame number only (scene.h), so runs are
 * repeatable; with frames="N" the animation stops at frame N, which gives
 * a screenshot that tests can compare.
 */

#include <algorithm>
#include <optional>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>
#include <nestbox/timer.h>

#include <app/config.h>
#include <app/window.h>

#include "scene.h"

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Gui"/> <service name="Timer"/> </requires>
	</manifest>)");

namespace Animation {

	struct Config;
	struct Main;
}


/* What the config sets, with the defaults the README documents */
struct Animation::Config
{
	Placement placement { };
	uint64_t  seed   = 42;
	unsigned  fps    = 30;
	unsigned  shapes = 16;
	uint64_t  frames = 0;   /* 0: forever */
	bool      verbose = false;   /* log every LOG_INTERVAL-th frame */

	static Config from_xml(pugi::xml_node node)
	{
		Config c { };
		c.placement = placement_attributes(node);
		c.seed      = node.attribute("seed").as_ullong(c.seed);
		c.fps       = std::clamp(node.attribute("fps").as_uint(c.fps), 1u, 1000u);
		c.shapes    = std::min(node.attribute("shapes").as_uint(c.shapes), 4096u);
		c.frames    = node.attribute("frames").as_ullong(c.frames);
		c.verbose   = node.attribute("verbose").as_bool(c.verbose);
		return c;
	}

	bool operator == (Config const &) const = default;
};


struct Animation::Main
{
	enum { LOG_INTERVAL = 30 };

	Env &_env;

	Config_document _config_rom { _env };
	Config       _config     { };

	Window            _window { _env, "animation" };
	Timer::Connection _timer  { _env };

	std::optional<Scene> _scene { };

	uint64_t _frame  = 0;
	uint64_t _missed = 0;   /* timer ticks that came while a frame was still being drawn */

	void _draw_frame()
	{
		if (!_scene) return;
		Canvas canvas = _window.canvas();
		_scene->draw(canvas, _frame);
		_window.refresh();
	}

	bool _finished() const { return _config.frames && _frame >= _config.frames; }

	/* Start over: a new scene for the current window, frame 0, the timer running */
	void _restart()
	{
		if (auto placed = _window.place(_config.placement); !placed) {
			error("cannot place window: ", error_name(placed.error()));
			_scene.reset();
			return;
		}

		_scene.emplace(_config.seed, _config.shapes, _window.geometry().area);
		_frame  = 0;
		_missed = 0;
		_draw_frame();

		(void)_timer.trigger_periodic(1'000'000 / _config.fps);
	}

	Signal_handler<Main> _config_handler { _env.ep(), *this, &Main::_handle_config };

	void _handle_config()
	{
		(void)_config_rom.update();
		Config const config = Config::from_xml(_config_rom.node());

		/* a config that changes nothing leaves a running animation alone */
		if (_scene && config == _config) return;

		_config = config;
		_restart();
	}

	Signal_handler<Main> _mode_handler { _env.ep(), *this, &Main::_handle_mode };

	void _handle_mode()
	{
		_window.exit_if_closed();

		/* the scene follows the window size, so only a resize starts it over */
		Rect const geometry = _config.placement.on(_window.screen());
		if (_scene && geometry.area.w == _scene->area().w && geometry.area.h == _scene->area().h) {
			if (auto placed = _window.place(geometry); !placed)
				error("cannot place window: ", error_name(placed.error()));
			_draw_frame();
			return;
		}
		_restart();
	}

	Signal_handler<Main> _tick_handler { _env.ep(), *this, &Main::_handle_tick };

	void _handle_tick(unsigned ticks)
	{
		if (!_scene || _finished()) return;

		/* one frame per handled signal: frame N always shows the same */
		_missed += ticks > 1 ? ticks - 1 : 0;
		_frame++;
		_draw_frame();

		/* a line per second of animation drowns every other line of a run: only when asked */
		if (_config.verbose && _frame % LOG_INTERVAL == 0)
			log("frame ", _frame);

		if (_finished()) {
			(void)_timer.trigger_periodic(0);
			log("stopped at frame ", _frame, " (", _missed, " ticks missed)");
		}
	}

	Main(Env &env) : _env(env)
	{
		_config_rom.sigh(_config_handler.cap());
		_window.mode_sigh(_mode_handler.cap());
		(void)_timer.sigh(_tick_handler.cap());
		_handle_config();
	}
};


void nestbox::construct(nestbox::Env &env) { static Animation::Main main(env); }
