/*
 * decorator: title bars and borders around the windows of wm
 *
 * It reads the "window_layout" ROM (the window_layouter's report, through
 * report_rom) and draws, for each window, a frame with a title bar, the
 * title and a close button, as one view per window behind the window's
 * content. It is a Gui client of wm, which stacks the decorations with
 * their windows (each view is titled with the id of its window, as
 * Genode's decorator tags them) and passes it the pointer over them: the
 * decorator reports the part under the pointer as "hover" and the size of
 * its decoration as "decorator_margins", from which the layouter acts.
 */

#include <map>

#include <pugixml.hpp>

#include <nestbox/config_document.h>
#include <nestbox/component.h>
#include <nestbox/manifest.h>
#include <nestbox/report.h>
#include <nestbox/session/gui.h>
#include <nestbox/wm/window_layout.h>

#include <app/canvas.h>
#include <app/config.h>
#include <app/font.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires>
			<service name="Gui"/>
			<service name="ROM" label="window_layout"/>
			<service name="ROM" label="font"/>
			<service name="Report" label="hover"/>
			<service name="Report" label="decorator_margins"/>
		</requires>
	</manifest>)");

namespace Decorator {

	using namespace App;
	using namespace nestbox;

	struct Theme;
	struct Main;

	/* at most this many windows are decorated (the first in the layout, the front-most) */
	enum : size_t { MAX_WINDOWS = 64 };
}


/* The colors, from the config */
struct Decorator::Theme
{
	Color border   { 0x70, 0x70, 0x70 };
	Color title    { 0xa0, 0xa0, 0xa0 };
	Color focused  { 0x40, 0x60, 0xc0 };
	Color text     { 0xff, 0xff, 0xff };
	Color closer   { 0xc0, 0x30, 0x30 };

	static Theme from_xml(pugi::xml_node node)
	{
		Theme t { };
		t.border  = color_attribute(node, "border",  t.border);
		t.title   = color_attribute(node, "title",   t.title);
		t.focused = color_attribute(node, "focused", t.focused);
		t.text    = color_attribute(node, "text",    t.text);
		t.closer  = color_attribute(node, "closer",  t.closer);
		return t;
	}
};


struct Decorator::Main
{
	Env &_env;

	Config_document _config { _env };
	Xml_rom         _layout { _env, "window_layout" };

	Rom::Connection    _font_rom  { _env, "font" };
	Attached_dataspace _font_data { [&] { auto d = _font_rom.dataspace(); return d ? std::move(*d) : Dataspace_capability(); }() };
	std::unique_ptr<Font> _font   { };

	Connection<Gui::Client> _gui { _env, "", "ram_quota=128K, cap_quota=12" };

	Framebuffer::Client _fb { [&] { auto c = _gui.framebuffer(); return c ? std::move(*c) : Capability<Framebuffer::Session>(); }() };
	Attached_dataspace  _commands { [&] { auto d = _gui.command_dataspace(); return d ? std::move(*d) : Dataspace_capability(); }() };
	Attached_dataspace  _pixels   { };

	/* the pointer over the decorations, from wm */
	Input::Client      _input  { [&] { auto c = _gui.input(); return c ? std::move(*c) : Capability<Input::Session>(); }() };
	Attached_dataspace _events { [&] { auto d = _input.dataspace(); return d ? std::move(*d) : Dataspace_capability(); }() };

	Reporter _hover_reporter   { _env, "hover", 512 };
	Reporter _margins_reporter { _env, "decorator_margins", 512 };

	Wm::Window_layout _windows { };   /* as drawn, front-most first */
	Wm::Hover         _hover   { };

	Theme    _theme   { };
	bool     _ram_warned = false;   /* a buffer failed: said once until one succeeds again */
	bool     _verbose = false;
	Area     _buffer  { 0, 0 };
	uint64_t _donated = 0;

	std::map<unsigned, Gui::View_id> _views { };   /* window id -> its decoration's view */

	Signal_handler<Main> _config_handler { _env.ep(), *this, &Main::_handle_config };
	Signal_handler<Main> _layout_handler { _env.ep(), *this, &Main::_handle_layout };
	Signal_handler<Main> _input_handler  { _env.ep(), *this, &Main::_handle_input };

	/* What the pointer at 'p' is on: the front-most decoration there (none over a content) */
	void _update_hover(Point p, bool left)
	{
		Wm::Hover hover { .at = p };
		if (!left)
			for (Wm::Window_entry const &w : _windows) {
				Wm::Element const e = w.element_at(p);
				if (e == Wm::Element::NONE) continue;
				if (e != Wm::Element::CONTENT) { hover.window = w.id; hover.element = e; }
				break;
			}
		if (hover == _hover) return;
		_hover = hover;
		(void)_hover_reporter.report(_hover.to_xml());
	}

	void _handle_input()
	{
		if (!_events.valid()) return;
		for (unsigned round = 0; round < 8; round++) {
			auto const n = _input.flush();
			if (!n || *n == 0) return;
			auto const *events = _events.local_addr<Input::Event const>();
			for (uint32_t i = 0; i < std::min<uint32_t>(*n, Input::MAX_EVENTS); i++) {
				Input::Event const &e = events[i];
				if (e.type == Input::Event::ABS_MOTION)  _update_hover({ e.x, e.y }, false);
				if (e.type == Input::Event::HOVER_LEAVE) _update_hover(_hover.at, true);
			}
		}
	}

	void _execute(std::vector<Gui::Command> const &commands)
	{
		auto &buffer = *_commands.local_addr<Gui::Command_buffer>();
		for (size_t i = 0; i < commands.size(); i += Gui::Command_buffer::MAX_COMMANDS) {
			buffer.count = 0;
			for (size_t j = i; j < commands.size() && buffer.count < Gui::Command_buffer::MAX_COMMANDS; j++)
				buffer.commands[buffer.count++] = commands[j];
			(void)_gui.execute();
		}
	}

	/*
	 * A buffer of 'area' (its content undefined), false if there is none.
	 * Its size follows the windows', so a window that was large once costs
	 * nothing after it shrank; the RAM donated stays with the session.
	 */
	bool _size_buffer(Area area)
	{
		if (area.w == _buffer.w && area.h == _buffer.h && _pixels.valid()) return true;

		Framebuffer::Mode const mode { .area = area, .alpha = false };
		if (mode.bytes() > _donated) {
			if (auto up = _gui.upgrade("ram_quota=" + std::to_string(mode.bytes() - _donated)); !up) {
				if (!_ram_warned)
					error("cannot donate RAM for a buffer of ", area.w, "x", area.h, ": ", error_name(up.error()));
				_ram_warned = true;
				return false;
			}
			_donated = mode.bytes();
		}
		Result<void> sized = _gui.buffer(mode);
		for (unsigned retry = 0; retry < 100 && !sized && sized.error() == Error::OUT_OF_RAM; retry++)
			sized = _gui.buffer(mode);
		if (!sized) {
			/* a layout comes with every step of a drag: the reason once, not per step */
			if (!_ram_warned)
				error("cannot size the buffer to ", area.w, "x", area.h, ": ", error_name(sized.error()));
			_ram_warned = true;
			return false;
		}
		_pixels = Attached_dataspace();
		auto ds = _fb.dataspace();
		if (ds) _pixels = Attached_dataspace(std::move(*ds));
		if (!_pixels.valid() || _pixels.size() < mode.bytes()) { _pixels = Attached_dataspace(); return false; }
		_buffer     = area;
		_ram_warned = false;
		return true;
	}

	void _draw(Canvas &canvas, Wm::Window_entry const &w, int32_t strip_y)
	{
		/* the decoration in buffer coordinates: the outer rectangle starts at 0,strip_y */
		Rect  const outer = w.outer();
		Point const shift { -outer.at.x, strip_y - outer.at.y };
		auto const local = [&] (Rect r) { return Rect { { r.at.x + shift.x, r.at.y + shift.y }, r.area }; };

		canvas.fill(local(outer), _theme.border);
		canvas.fill(local(w.title_bar()), w.focused ? _theme.focused : _theme.title);
		canvas.fill(local(w.content), Color { 0, 0, 0 });

		Rect const closer = local(w.closer());
		canvas.fill(closer, _theme.closer);
		int32_t const x0 = closer.at.x + 3, y0 = closer.at.y + 3;
		int32_t const x1 = closer.at.x + int32_t(closer.area.w) - 4, y1 = closer.at.y + int32_t(closer.area.h) - 4;
		canvas.line({ x0, y0 }, { x1, y1 }, _theme.text, 2);
		canvas.line({ x0, y1 }, { x1, y0 }, _theme.text, 2);

		if (!_font) return;
		Rect const bar = local(w.title_bar());
		int32_t const limit = closer.at.x - 4;
		Point pen { bar.at.x + 6, bar.at.y + (Wm::TITLE_HEIGHT + _font->ascent()) / 2 - 2 };
		for (char c : w.title) {
			if (pen.x + _font->glyph(char32_t(c)).advance > limit) break;
			pen.x += _font->draw(canvas, pen, char32_t(c), _theme.text);
		}
	}

	void _handle_layout()
	{
		Wm::Window_layout layout = Wm::from_xml(_layout.latest("window_layout"));
		if (layout.size() > MAX_WINDOWS) layout.resize(MAX_WINDOWS);
		_windows = layout;

		/* one strip of the buffer per window, one below the other */
		Area needed { 1, 1 };
		for (auto const &w : layout) {
			needed.w = std::max(needed.w, w.outer().area.w);
			needed.h += w.outer().area.h;
		}

		std::vector<Gui::Command> commands;

		/* decorations of windows that went */
		for (auto it = _views.begin(); it != _views.end(); ) {
			bool const kept = std::any_of(layout.begin(), layout.end(), [&] (auto const &w) { return w.id == it->first; });
			if (kept) { ++it; continue; }
			(void)_gui.destroy_view(it->second);
			it = _views.erase(it);
		}

		if (layout.empty() || !_size_buffer(needed)) return;

		Canvas canvas { _pixels.local_addr<Pixel>(), _buffer };
		int32_t strip_y = 0;
		for (auto const &w : layout) {
			_draw(canvas, w, strip_y);

			auto view = _views.find(w.id);
			if (view == _views.end()) {
				auto created = _gui.create_view();
				if (!created) { warning("cannot create a view: ", error_name(created.error())); continue; }
				view = _views.emplace(w.id, *created).first;
				commands.push_back(Gui::Command::title_of(view->second, std::to_string(w.id)));
			}
			commands.push_back(Gui::Command::geometry(view->second, w.outer()));
			commands.push_back(Gui::Command::offset_of(view->second, { 0, strip_y }));
			strip_y += int32_t(w.outer().area.h);
		}
		(void)_fb.refresh({ { 0, 0 }, _buffer });
		_execute(commands);

		/* after the gui server has the pixels and the views: a test may capture the screen now */
		if (_verbose)
			for (auto const &w : layout)
				log("window \"", w.title, "\" at ", w.content.at.x, ",", w.content.at.y, " ",
				    w.content.area.w, "x", w.content.area.h, w.focused ? " focused" : "");
	}

	void _handle_config()
	{
		_config.update();
		pugi::xml_node const config = _config.node();
		_theme   = Theme::from_xml(config);
		_verbose = config.attribute("verbose").as_bool(false);

		unsigned const size = std::clamp(config.attribute("font_size").as_uint(14), 6u, 64u);
		auto font = Font::create(_font_data.bytes(), size);
		if (!font) warning("font ROM holds no font FreeType can read (", error_name(font.error()), "): titles are not drawn");
		_font = font ? std::move(*font) : nullptr;

		_handle_layout();
	}

	Main(Env &env) : _env(env)
	{
		_config.sigh(_config_handler.cap());
		_layout.sigh(_layout_handler.cap());
		(void)_input.sigh(_input_handler.cap());

		/* the decoration's sizes are this decorator's own: said once */
		(void)_margins_reporter.report(Wm::to_xml(Wm::Margins { }));
		_handle_config();
	}
};


void nestbox::construct(nestbox::Env &env) { static Decorator::Main main(env); }
