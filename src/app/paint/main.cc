/*
 * Paint: draw with the pointer
 *
 * While the left button is held, pointer motion draws lines in the
 * configured color. Everything painted is kept as segments (strokes.h), so
 * the painting survives mode changes and reconfiguration pixel for pixel.
 */

#include <algorithm>
#include <optional>

#include <linux/input-event-codes.h>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>

#include <app/config.h>
#include <app/window.h>

#include "strokes.h"

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Gui"/> </requires>
	</manifest>)");

namespace Paint {

	struct Config;
	struct Main;
}


/* What the config sets, with the defaults the README documents */
struct Paint::Config
{
	Placement placement { };
	Color     color      { 0x00, 0x00, 0x00 };
	Color     background { 0xff, 0xff, 0xff };
	unsigned  brush      = 3;

	static Config from_xml(pugi::xml_node node)
	{
		Config c { };
		c.placement  = placement_attributes(node);
		c.color      = color_attribute(node, "color", c.color);
		c.background = color_attribute(node, "background", c.background);
		c.brush      = std::clamp(node.attribute("brush").as_uint(c.brush), 1u, 64u);
		return c;
	}
};


struct Paint::Main
{
	Env &_env;

	Config_document _config_rom { _env };
	Config       _config     { };

	Window  _window  { _env, "paint" };
	Strokes _strokes { };

	/*
	 * The pointer in buffer coordinates, unknown until the first motion
	 * and again once it left the window: the Gui server passes motion only
	 * while the pointer is over the window, so a press on an unfocused
	 * window may come without any. A stroke then starts at the next motion.
	 */
	std::optional<Point> _pointer { };

	bool _pressed = false;   /* the button (or a finger) is down */
	bool _stroke  = false;   /* and its stroke has started */

	void _redraw()
	{
		Canvas canvas = _window.canvas();
		canvas.clear(_config.background);
		_strokes.draw(canvas);
		_window.refresh();
	}

	void _apply_placement()
	{
		_window.exit_if_closed();

		if (auto placed = _window.place(_config.placement, [&] { _redraw(); }); !placed)
			error("cannot place window: ", error_name(placed.error()));
	}

	Signal_handler<Main> _config_handler { _env.ep(), *this, &Main::_handle_config };

	void _handle_config()
	{
		(void)_config_rom.update();
		_config = Config::from_xml(_config_rom.node());

		_apply_placement();
	}

	Signal_handler<Main> _mode_handler { _env.ep(), *this, &Main::_apply_placement };

	void _start_stroke(Point p)
	{
		_stroke = true;
		log("stroke at ", p.x, ",", p.y);

		/* a click without motion leaves a dot */
		Canvas canvas = _window.canvas();
		_window.refresh(_strokes.add(canvas, p, p, _config.color, _config.brush));
	}

	void _motion(Point p)
	{
		if (_pressed && !_stroke)
			_start_stroke(p);
		else if (_stroke) {
			Canvas canvas = _window.canvas();
			_window.refresh(_strokes.add(canvas, *_pointer, p, _config.color, _config.brush));
		}
		_pointer = p;
	}

	void _press()
	{
		if (_pressed) return;
		_pressed = true;
		if (_pointer) _start_stroke(*_pointer);
	}

	/* the stroke is drawn and refreshed by now, which a test may wait for */
	void _release()
	{
		if (_stroke && _pointer)
			log("stroke end at ", _pointer->x, ",", _pointer->y);
		_pressed = _stroke = false;
	}

	void _handle_event(Input::Event const &ev)
	{
		Point const at = _window.local({ ev.x, ev.y });

		switch (ev.type) {
		case Input::Event::ABS_MOTION: _motion(at); break;
		case Input::Event::REL_MOTION:
			if (_pointer) _motion({ _pointer->x + ev.x, _pointer->y + ev.y });
			break;

		case Input::Event::PRESS:   if (ev.code == BTN_LEFT) _press();   break;
		case Input::Event::RELEASE: if (ev.code == BTN_LEFT) _release(); break;

		/* a finger draws like the pointer with its button held */
		case Input::Event::TOUCH:
			if (!_pressed) { _pointer = at; _press(); }
			else           _motion(at);
			break;
		case Input::Event::TOUCH_RELEASE:
		case Input::Event::FOCUS_LEAVE:
			_release();
			break;

		case Input::Event::HOVER_LEAVE:
			_pointer.reset();
			break;

		default: break;
		}
	}

	Signal_handler<Main> _input_handler { _env.ep(), *this, &Main::_handle_input };

	void _handle_input()
	{
		_window.for_each_event([&] (Input::Event const &ev) { _handle_event(ev); });
	}

	Main(Env &env) : _env(env)
	{
		_config_rom.sigh(_config_handler.cap());
		_window.mode_sigh(_mode_handler.cap());
		_window.input_sigh(_input_handler.cap());
		_handle_config();
	}
};


void nestbox::construct(nestbox::Env &env) { static Paint::Main main(env); }
