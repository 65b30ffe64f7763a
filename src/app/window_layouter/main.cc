/*
 * window_layouter: where the windows of wm go, their sizes and the focus
 *
 * It reads the windows wm reports ("window_list"), the decorator's
 * "hover" and "decorator_margins", and the pointer, which wm passes to
 * its Gui session at wm. From these and the <assign> rules of its config
 * it decides each window's place, size and stacking ("window_layout"),
 * the sizes the clients are asked to take ("resize_request", 0x0 closes)
 * and the keyboard focus ("focus"): a press raises and focuses a window,
 * dragging the title moves it, dragging a border resizes it, the closer
 * closes it. A changed rule moves its windows at once. See README.md.
 */

#include <list>
#include <optional>

#include <linux/input-event-codes.h>

#include <pugixml.hpp>

#include <nestbox/config_document.h>
#include <nestbox/component.h>
#include <nestbox/connection.h>
#include <nestbox/manifest.h>
#include <nestbox/report.h>
#include <nestbox/session/gui.h>
#include <nestbox/wm/window_layout.h>
#include <nestbox/wm/window_list.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires>
			<service name="Gui"/>
			<service name="ROM" label="window_list"/>
			<service name="ROM" label="hover"/>
			<service name="ROM" label="decorator_margins"/>
			<service name="ROM" label="focus_request"/>
			<service name="Report" label="window_layout"/>
			<service name="Report" label="resize_request"/>
			<service name="Report" label="focus"/>
			<service name="Report" label="rules" optional="yes"/>
		</requires>
	</manifest>)");

namespace Window_layouter {

	using namespace nestbox;
	using Wm::Element;

	struct Window;
	struct Drag;
	struct Main;

	/* the smallest window a resize leaves */
	enum : uint32_t { MIN_WIDTH = 64, MIN_HEIGHT = 32 };

	/* report buffers: about 150 windows each */
	enum : size_t { LAYOUT_REPORT_SIZE = 16*1024, RESIZE_REPORT_SIZE = 8*1024,
	                RULES_REPORT_SIZE = 32*1024 };

	/* where windows without a position of their own go: a cascade from 20,20 in steps of 24 */
	enum : int32_t { CASCADE_START = 20, CASCADE_STEP = 24, CASCADE_STEPS = 8 };
}


struct Window_layouter::Window
{
	unsigned    id;
	std::string label;
	std::string title;
	Area        client_size { };   /* as the client placed its view (window_list) */
	Point       at { 0, 0 };       /* the content's top left on the screen */

	std::optional<Area> requested { };   /* the size the client is asked to take */
	bool        closed = false;

	std::string rule { };   /* the geometry of the <assign> rule applied last */

	Area size() const { return requested && !closed ? *requested : client_size; }

	std::string shown_title() const
	{
		if (title.empty() || title == label) return label;
		return label + " - " + title;
	}

	Wm::Window_entry entry(bool focused) const
	{
		return { .id = id, .title = shown_title(), .content = { at, client_size }, .focused = focused };
	}
};


/* A drag of a decoration: a move (title) or a resize (a border) */
struct Window_layouter::Drag
{
	unsigned window;
	Element  element;
	Point    start;      /* the pointer at the press */
	Rect     original;   /* the content then */
};


struct Window_layouter::Main
{
	Env &_env;

	Config_document _config_doc { _env };
	Xml_rom         _list_rom    { _env, "window_list" };
	Xml_rom         _hover_rom   { _env, "hover" };
	Xml_rom         _margins_rom { _env, "decorator_margins" };
	Xml_rom         _request_rom { _env, "focus_request" };

	pugi::xml_node     _config     { };
	bool               _verbose    = false;

	/* the pointer and its buttons, from wm (which knows this session as the layouter's) */
	Connection<Gui::Client> _gui { _env, "", "ram_quota=64K, cap_quota=6" };

	Input::Client      _input  { [&] { auto c = _gui.input(); return c ? std::move(*c) : Capability<Input::Session>(); }() };
	Attached_dataspace _events { [&] { auto d = _input.dataspace(); return d ? std::move(*d) : Dataspace_capability(); }() };

	Reporter _layout_reporter { _env, "window_layout",  LAYOUT_REPORT_SIZE };
	Reporter _resize_reporter { _env, "resize_request", RESIZE_REPORT_SIZE };
	Reporter _focus_reporter  { _env, "focus", 256 };
	std::optional<Reporter> _rules_reporter { };

	std::list<Window> _windows { };   /* front-most first */
	unsigned          _focused = 0;
	unsigned          _placed  = 0;   /* windows placed by the cascade so far */
	unsigned          _focus_request = 0;
	uint64_t          _presses = 0;   /* button presses handled (the focus report says) */

	Wm::Margins _margins { };
	Wm::Hover   _hover   { };
	Point       _pointer { 0, 0 };
	std::optional<Drag>     _drag { };
	std::optional<unsigned> _closer_pressed { };

	bool _update_scheduled = false;
	bool _report_warned    = false;

	Signal_handler<Main> _config_handler  { _env.ep(), *this, &Main::_handle_config };
	Signal_handler<Main> _list_handler    { _env.ep(), *this, &Main::_handle_list };
	Signal_handler<Main> _hover_handler   { _env.ep(), *this, &Main::_handle_hover };
	Signal_handler<Main> _margins_handler { _env.ep(), *this, &Main::_handle_margins };
	Signal_handler<Main> _request_handler { _env.ep(), *this, &Main::_handle_focus_request };
	Signal_handler<Main> _input_handler   { _env.ep(), *this, &Main::_handle_input };

	Window *_window(unsigned id)
	{
		for (Window &w : _windows) if (w.id == id) return &w;
		return nullptr;
	}

	/* The reports follow once the entrypoint is idle: one set per round, however many changes */
	void _schedule_update()
	{
		if (_update_scheduled) return;
		_update_scheduled = true;
		_env.ep().schedule([this] { _update_scheduled = false; _update(); });
	}

	void _report(Reporter &reporter, std::string const &xml, char const *what)
	{
		bool const reported = bool(reporter.report(xml));
		if (!reported && !_report_warned)
			warning(what, " of ", _windows.size(), " windows exceeds the report's ",
			        reporter.capacity(), " bytes: it stays as it was");
		_report_warned = !reported;
	}

	void _update()
	{
		Wm::Window_layout layout;
		Wm::Resize_request resize;
		for (Window const &w : _windows) {
			if (w.closed) { resize.push_back({ .id = w.id, .size = { 0, 0 } }); continue; }
			if (w.requested) resize.push_back({ .id = w.id, .size = *w.requested });
			if (w.client_size.w && w.client_size.h) layout.push_back(w.entry(w.id == _focused));
		}
		_report(_layout_reporter, Wm::to_xml(layout), "window_layout");
		_report(_resize_reporter, Wm::to_xml(resize), "resize_request");
		(void)_focus_reporter.report(Wm::focus_xml(_focused, _presses));
		if (_rules_reporter) _report(*_rules_reporter, _rules(), "rules");
	}

	/* The current rules: one <assign> per window where it is now, then the config's unused ones */
	std::string _rules()
	{
		std::vector<Wm::Placed> placed;
		for (auto it = _windows.rbegin(); it != _windows.rend(); ++it)
			if (!it->closed) placed.push_back({ .label = it->label, .at = it->at, .size = it->size() });
		return Wm::rules_xml(placed, _config);
	}

	pugi::xml_node _assign(std::string_view label) { return Wm::assign_rule(_config, label); }

	static std::string _rule_geometry(pugi::xml_node rule)
	{
		if (!rule) return "none";
		return std::string(rule.attribute("xpos").value()) + "," + rule.attribute("ypos").value() + ","
		     + rule.attribute("width").value() + "," + rule.attribute("height").value();
	}

	/* Place a window by its rule: the rule's position and size where it gives them */
	void _apply_rule(Window &w, bool first)
	{
		pugi::xml_node const rule = _assign(w.label);
		w.rule = _rule_geometry(rule);

		bool const positioned = rule.attribute("xpos") && rule.attribute("ypos");
		if (positioned)
			w.at = { rule.attribute("xpos").as_int(0), rule.attribute("ypos").as_int(0) };

		/* without a position, a new window goes to the next step of the cascade */
		if (!positioned && first) {
			int32_t const step = CASCADE_START + CASCADE_STEP*int32_t(_placed++ % CASCADE_STEPS);
			w.at = { step, step + _margins.top };
		}
		uint32_t const width  = rule.attribute("width").as_uint(0);
		uint32_t const height = rule.attribute("height").as_uint(0);
		if (width && height)
			w.requested = Area { std::min(width, uint32_t(Wm::MAX_SIDE)), std::min(height, uint32_t(Wm::MAX_SIDE)) };

		if (_verbose)
			log("window ", w.id, " (", w.label, ") at ", w.at.x, ",", w.at.y);
	}

	void _handle_config()
	{
		_config_doc.update();
		_config  = _config_doc.node();
		_verbose = _config.attribute("verbose").as_bool(false);

		bool const rules = _config.child("report").attribute("rules").as_bool(false);
		if (rules && !_rules_reporter) _rules_reporter.emplace(_env, "rules", RULES_REPORT_SIZE);
		if (!rules) _rules_reporter.reset();

		/* a rule that changed moves (and sizes) its windows at once; the others stay where they are */
		for (Window &w : _windows)
			if (!w.closed && _rule_geometry(_assign(w.label)) != w.rule)
				_apply_rule(w, false);
		_schedule_update();
	}

	void _handle_list()
	{
		Wm::Window_list const list = Wm::window_list_from_xml(_list_rom.latest("window_list"));

		/* windows that went */
		_windows.remove_if([&] (Window const &w) {
			return std::none_of(list.begin(), list.end(), [&] (auto const &i) { return i.id == w.id; }); });
		if (!_window(_focused)) _focused = 0;
		if (_drag && !_window(_drag->window)) _drag.reset();
		if (_closer_pressed && !_window(*_closer_pressed)) _closer_pressed.reset();

		for (Wm::Window_info const &info : list) {
			Window *w = _window(info.id);
			if (!w) {
				/* a new window comes to the front */
				_windows.push_front(Window { .id = info.id, .label = info.label, .title = { } });
				w = &_windows.front();
				_apply_rule(*w, true);
			}
			if (_verbose && w->title != info.title)
				log("window ", w->id, " (", info.label, ") titled \"", info.title, "\"");
			w->label       = info.label;
			w->title       = info.title;
			w->client_size = info.size;
		}
		_schedule_update();
	}

	void _handle_hover()
	{
		_hover = Wm::Hover::from_xml(_hover_rom.latest("hover")).value_or(Wm::Hover { });
	}

	void _handle_margins()
	{
		_margins = Wm::margins_from_xml(_margins_rom.latest("decorator_margins"));
		_schedule_update();
	}

	void _handle_focus_request()
	{
		pugi::xml_node const request = _request_rom.latest("focus_request");
		unsigned const id = request.attribute("id").as_uint(0);
		if (!id || id == _focus_request) return;
		_focus_request = id;
		if (Window *w = _window(Wm::focused_window(request))) { _raise(*w); _focus(*w); }
	}

	void _raise(Window &w)
	{
		for (auto it = _windows.begin(); it != _windows.end(); ++it)
			if (&*it == &w) { _windows.splice(_windows.begin(), _windows, it); break; }
		_schedule_update();
	}

	void _focus(Window &w)
	{
		if (_focused == w.id) return;
		_focused = w.id;
		if (_verbose) log("focus on window ", w.id, " (", w.label, ")");
		_schedule_update();
	}

	void _close(Window &w)
	{
		if (_verbose) log("closing window ", w.id, " (", w.label, ")");
		w.closed = true;
		if (_focused == w.id) _focused = 0;
		_schedule_update();
	}

	/*
	 * What the pointer is on: the decorator's word where its hover report is
	 * for the pointer's position, else the layouter's own hit test with the
	 * decorator's margins (the report may still be on its way)
	 */
	std::pair<Window *, Element> _under_pointer()
	{
		if (_hover.at.x == _pointer.x && _hover.at.y == _pointer.y && _hover.window)
			if (Window *w = _window(_hover.window); w && !w->closed)
				return { w, _hover.element };

		for (Window &w : _windows) {
			if (w.closed || !w.client_size.w || !w.client_size.h) continue;
			Element const e = w.entry(false).element_at(_pointer, _margins);
			if (e != Element::NONE) return { &w, e };
		}
		return { nullptr, Element::NONE };
	}

	void _press()
	{
		auto const [w, element] = _under_pointer();
		if (!w) return;
		_raise(*w);
		_focus(*w);
		if (element == Element::CLOSER) { _closer_pressed = w->id; return; }
		if (element == Element::CONTENT) return;
		_drag = Drag { .window = w->id, .element = element, .start = _pointer,
		               .original = { w->at, w->size() } };
	}

	void _release()
	{
		_drag.reset();
		if (!_closer_pressed) return;
		Window *w = _window(*_closer_pressed);
		_closer_pressed.reset();
		if (w && !w->closed && Wm::Window_entry::contains(w->entry(false).closer(_margins), _pointer))
			_close(*w);
	}

	void _drag_to(Point p)
	{
		Window *w = _window(_drag->window);
		if (!w || w->closed) { _drag.reset(); return; }

		Element const e = _drag->element;
		Rect const o = _drag->original;
		int32_t const dx = p.x - _drag->start.x, dy = p.y - _drag->start.y;

		if (e == Element::TITLE) {
			w->at = { o.at.x + dx, o.at.y + dy };
			_schedule_update();
			return;
		}

		bool const left   = e == Element::LEFT   || e == Element::TOP_LEFT    || e == Element::BOTTOM_LEFT;
		bool const right  = e == Element::RIGHT  || e == Element::TOP_RIGHT   || e == Element::BOTTOM_RIGHT;
		bool const top    = e == Element::TOP    || e == Element::TOP_LEFT    || e == Element::TOP_RIGHT;
		bool const bottom = e == Element::BOTTOM || e == Element::BOTTOM_LEFT || e == Element::BOTTOM_RIGHT;

		auto const sized = [] (uint32_t size, int32_t delta, uint32_t min) {
			return uint32_t(std::clamp<int64_t>(int64_t(size) + delta, min, Wm::MAX_SIDE)); };

		uint32_t const width  = left ? sized(o.area.w, -dx, MIN_WIDTH)  : right  ? sized(o.area.w, dx, MIN_WIDTH)  : o.area.w;
		uint32_t const height = top  ? sized(o.area.h, -dy, MIN_HEIGHT) : bottom ? sized(o.area.h, dy, MIN_HEIGHT) : o.area.h;

		/* a left or top edge moves the window as much as it grows */
		w->at = { left ? o.at.x + int32_t(o.area.w) - int32_t(width)  : o.at.x,
		          top  ? o.at.y + int32_t(o.area.h) - int32_t(height) : o.at.y };

		/* the client gets the new size as its mode (through wm) and answers with a new buffer */
		w->requested = Area { width, height };
		_schedule_update();
	}

	void _handle_input()
	{
		for (unsigned round = 0; round < 8; round++) {
			auto const n = _input.flush();
			if (!n || *n == 0) return;
			auto const *events = _events.local_addr<Input::Event const>();
			for (uint32_t i = 0; i < std::min<uint32_t>(*n, Input::MAX_EVENTS); i++) {
				Input::Event const e = events[i];
				switch (e.type) {
				case Input::Event::ABS_MOTION:
					_pointer = { e.x, e.y };
					if (_drag) _drag_to(_pointer);
					break;
				case Input::Event::PRESS:
					_presses++;
					_schedule_update();
					if (e.code == BTN_LEFT) _press();
					break;
				case Input::Event::RELEASE:
					if (e.code == BTN_LEFT) _release();
					break;
				default: break;
				}
			}
		}
	}

	Main(Env &env) : _env(env)
	{
		if (!_events.valid()) {
			error("no input from wm: is the Gui session routed to wm with role=\"layouter\"?");
			_env.exit(-1);
			return;
		}
		_config_doc.sigh(_config_handler.cap());
		_list_rom.sigh(_list_handler.cap());
		_hover_rom.sigh(_hover_handler.cap());
		_margins_rom.sigh(_margins_handler.cap());
		_request_rom.sigh(_request_handler.cap());
		(void)_input.sigh(_input_handler.cap());

		_handle_config();
		_handle_margins();
		_handle_hover();
		_handle_list();
		_handle_focus_request();
	}
};


void nestbox::construct(nestbox::Env &env) { static Window_layouter::Main main(env); }
