/*
 * Text: shows what is typed, rendered by FreeType
 *
 * The component is sealed and cannot open a font file, so the font comes
 * as the ROM module "font", which the config routes to whatever file the
 * parent serves (see README). Typed text is kept and the window is drawn
 * from it as a whole, so the same keys give the same pixels.
 */

#include <algorithm>
#include <string>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>

#include <app/font.h>
#include <app/config.h>
#include <app/window.h>

#include "keymap.h"
#include "layout.h"

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Gui"/> <service name="ROM" label="font"/> </requires>
	</manifest>)");

namespace Text {

	using namespace App;

	struct Config;
	struct Main;
}


/* What the config sets, with the defaults the README documents */
struct Text::Config
{
	Placement placement  { };
	unsigned  size       = 24;
	Color     color      { 0x00, 0x00, 0x00 };
	Color     background { 0xff, 0xff, 0xff };

	static Config from_xml(pugi::xml_node node)
	{
		Config c { };
		c.placement  = placement_attributes(node);
		c.size       = std::clamp(node.attribute("size").as_uint(c.size), 4u, 256u);
		c.color      = color_attribute(node, "color", c.color);
		c.background = color_attribute(node, "background", c.background);
		return c;
	}
};


struct Text::Main
{
	Env &_env;

	Config_document _config_rom { _env };
	Config       _config     { };

	/* a font is binary, so it is mapped as a dataspace, not read as text */
	Rom::Connection    _font_rom  { _env, "font" };
	Attached_dataspace _font_data { _font_dataspace() };

	std::unique_ptr<Font> _font { };

	Window _window { _env, "text" };

	std::u32string _text  { };
	bool           _shift = false;

	Dataspace_capability _font_dataspace()
	{
		auto ds = _font_rom.dataspace();
		if (!ds) {
			error("font ROM: ", error_name(ds.error()));
			_env.exit(-1);
		}
		return std::move(*ds);
	}

	void _redraw()
	{
		Canvas canvas = _window.canvas();
		canvas.clear(_config.background);
		if (_font)
			Layout(*_font, canvas.size()).draw(canvas, _text, _config.color);
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
		Config const config = Config::from_xml(_config_rom.node());

		if (!_font || config.size != _config.size) {
			auto font = Font::create(_font_data.bytes(), config.size);
			if (!font)
				error("font ROM holds no font FreeType can read (", error_name(font.error()), ")");
			_font = font ? std::move(*font) : nullptr;
		}
		_config = config;

		_apply_placement();
	}

	Signal_handler<Main> _mode_handler { _env.ep(), *this, &Main::_apply_placement };

	static std::string _utf8(char32_t c)
	{
		std::string s;
		if (c < 0x80)         s += char(c);
		else if (c < 0x800)   s += { char(0xc0 | (c >> 6)), char(0x80 | (c & 0x3f)) };
		else if (c < 0x10000) s += { char(0xe0 | (c >> 12)), char(0x80 | ((c >> 6) & 0x3f)),
		                             char(0x80 | (c & 0x3f)) };
		else                  s += { char(0xf0 | (c >> 18)), char(0x80 | ((c >> 12) & 0x3f)),
		                             char(0x80 | ((c >> 6) & 0x3f)), char(0x80 | (c & 0x3f)) };
		return s;
	}

	/* Apply a key press; returns whether the text changed */
	bool _type(Input::Event const &ev)
	{
		if (ev.code == KEY_ENTER) {
			log("key: <enter>");
			_text += U'\n';
			return true;
		}
		if (ev.code == KEY_BACKSPACE) {
			log("key: <backspace>");
			if (_text.empty()) return false;
			_text.pop_back();
			return true;
		}

		char32_t const c = ev.unicode ? char32_t(ev.unicode) : us_character(ev.code, _shift);
		if (c < 0x20 || c == 0x7f || c > 0x10ffff) return false;

		/* a space would vanish at the end of a log line */
		log("key: ", c == U' ' ? std::string("<space>") : _utf8(c));
		_text += c;
		return true;
	}

	Signal_handler<Main> _input_handler { _env.ep(), *this, &Main::_handle_input };

	void _handle_input()
	{
		bool changed = false;

		_window.for_each_event([&] (Input::Event const &ev) {
			bool const shift_key = ev.code == KEY_LEFTSHIFT || ev.code == KEY_RIGHTSHIFT;
			if (ev.press() && shift_key)   _shift = true;
			if (ev.release() && shift_key) _shift = false;
			if (ev.press() && !shift_key)  changed |= _type(ev);
		});

		/* one redraw per batch of events, not per key */
		if (changed) _redraw();
	}

	Main(Env &env) : _env(env)
	{
		_config_rom.sigh(_config_handler.cap());
		_window.mode_sigh(_mode_handler.cap());
		_window.input_sigh(_input_handler.cap());
		_handle_config();
	}
};


void nestbox::construct(nestbox::Env &env) { static Text::Main main(env); }
