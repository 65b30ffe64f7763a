/*
 * wm: a window manager between the applications and the gui server
 *
 * A Gui server to applications and a Gui client of the gui server: each
 * application's top-level view becomes a window that wm places (by the
 * config's <assign> rules), stacks, raises and focuses on a click, moves
 * and resizes when its decoration is dragged, and closes by its close
 * button. The decoration is drawn by the decorator, a Gui client of wm,
 * from the "window_layout" report wm writes; the decorator's views get
 * the clicks, which wm reads and hit-tests itself (nestbox/wm/window_layout.h
 * fixes where a decoration's parts are). Genode splits this work among wm,
 * window_layouter and decorator; here the layouter's part is in wm. See
 * README.md.
 */

#include <list>
#include <optional>

#include <linux/input-event-codes.h>

#include <pugixml.hpp>

#include <nestbox/attached_rom.h>
#include <nestbox/component.h>
#include <nestbox/manifest.h>
#include <nestbox/report.h>
#include <nestbox/root_component.h>
#include <nestbox/util/arg_string.h>
#include <nestbox/util/policy.h>
#include <nestbox/wm/window_layout.h>

#include "proxy_session.h"

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires>
			<service name="Gui"/>
			<service name="Report" optional="yes"/>
		</requires>
		<provides> <service name="Gui"/> </provides>
	</manifest>)");

namespace Wm_server {

	struct Window;
	struct Drag;
	class  Wm_root;
	struct Main;

	/* the smallest window a resize leaves */
	enum : uint32_t { MIN_WIDTH = 64, MIN_HEIGHT = 32 };

	/* the window_layout report's buffer: about 150 windows */
	enum : size_t { LAYOUT_REPORT_SIZE = 16*1024 };
}


struct Wm_server::Window
{
	unsigned const  id;
	Proxy_session  &session;
	Gui::View_id const view;

	std::string title;
	Rect  requested { };        /* where the client put its view, in its own coordinates */
	Point at        { 0, 0 };   /* where the content is on the screen */
	bool  placed    = false;    /* has a geometry (until then it is not shown) */

	Wm::Window_entry entry(bool focused) const
	{
		return { .id = id, .title = title, .content = { at, requested.area }, .focused = focused };
	}

	/* a position of the screen in the client's coordinates */
	Point local(Point p) const
	{
		return { p.x - at.x + requested.at.x, p.y - at.y + requested.at.y };
	}
};


/* A drag of a decoration: a move (title) or a resize (a border) */
struct Wm_server::Drag
{
	unsigned    window;
	Wm::Element element;
	Point       start;       /* the pointer at the press */
	Rect        original;    /* the content then */
};


class Wm_server::Wm_root : public Root_component<Proxy_session>
{
	private:

		Env            &_env;
		Window_handler &_handler;
		pugi::xml_node const &_config;

		Result<Attached_dataspace> _alloc(size_t size)
		{
			auto ds = _env.pd().alloc((size + 4095) & ~size_t(4095));
			if (!ds) return failure(ds.error());
			Attached_dataspace mapped(std::move(*ds));
			if (!mapped.valid()) return failure(Error::OUT_OF_RAM);
			return mapped;
		}

		Result<std::unique_ptr<Proxy_session>> _create_session(std::string_view args) override
		{
			std::string const label = Arg_string::string(args, "label");
			uint64_t    const ram   = Arg_string::number(args, "ram_quota");
			uint64_t    const caps  = Arg_string::number(args, "cap_quota");

			if (ram < Proxy_session::SESSION_COST || caps < Proxy_session::SESSION_CAPS) {
				warning("\"", label, "\": a Gui session of wm needs a ram_quota of at least ",
				        Arg_string::format_size(Proxy_session::SESSION_COST), " and a cap_quota of at least ",
				        unsigned(Proxy_session::SESSION_CAPS));
				return failure(ram < Proxy_session::SESSION_COST ? Error::OUT_OF_RAM : Error::OUT_OF_CAPS);
			}

			pugi::xml_node const policy = select_policy(_config, label);
			auto const role = std::string_view(policy.attribute("role").value()) == "decorator"
			                ? Proxy_session::Role::DECORATOR : Proxy_session::Role::APP;

			/* the client's quota, less wm's own buffers, pays for the gui server's session */
			uint64_t const own = 2*4096 + ((sizeof(Gui::Command_buffer) + 4095) & ~size_t(4095));
			auto gui = Gui_connection::open(_env, label, "ram_quota=" + std::to_string(ram - own)
			                                + ", cap_quota=" + std::to_string(caps - 2));
			if (!gui) {
				warning("\"", label, "\": no Gui session at the gui server: ", error_name(gui.error()));
				return failure(gui.error());
			}
			auto gui_input = (*gui)->input();
			auto gui_cmds  = (*gui)->command_dataspace();
			if (!gui_input || !gui_cmds) return failure(Error::UNAVAILABLE);

			auto commands = _alloc(sizeof(Gui::Command_buffer));
			if (!commands) return failure(commands.error());
			auto events = _alloc(Input::EVENT_BUFFER_SIZE);
			if (!events) return failure(events.error());

			auto session = std::make_unique<Proxy_session>(_env, _handler, label, role, std::move(*gui),
				std::move(*gui_input), std::move(*gui_cmds),
				Proxy_session::Resources { std::move(*commands), std::move(*events) });
			if (!session->valid()) return failure(Error::UNAVAILABLE);
			return session;
		}

		void _upgrade_session(Proxy_session &s, std::string_view args) override { s.upgrade(args); }

		void _destroy_session(Proxy_session &s) override;

	public:

		Wm_root(Env &env, Window_handler &handler, pugi::xml_node const &config)
		: Root_component(env.ep()), _env(env), _handler(handler), _config(config) { }

		std::function<void(Proxy_session &)> closing { };
};


void Wm_server::Wm_root::_destroy_session(Proxy_session &s) { if (closing) closing(s); }


struct Wm_server::Main : Window_handler
{
	Env &_env;

	Attached_rom       _config_rom { _env, "config" };
	pugi::xml_document _config_doc { };
	pugi::xml_node     _config     { };
	bool               _verbose    = false;

	Wm_root _root { _env, *this, _config };

	std::optional<Reporter> _layout_reporter { };

	std::list<Window> _windows { };   /* front-most first */
	unsigned          _next_id = 1;
	unsigned          _focused = 0;

	Proxy_session       *_decorator = nullptr;
	std::map<unsigned, Gui::View_id> _decorations { };   /* window id -> the decorator's view */

	Point               _pointer { 0, 0 };   /* as the decorator's session last saw it */
	std::optional<Drag> _drag    { };
	std::optional<unsigned> _closer_pressed { };

	bool _layout_warned    = false;   /* the report did not fit (said once) */
	bool _update_scheduled = false;
	bool _restack_due      = false;

	Signal_handler<Main> _config_handler { _env.ep(), *this, &Main::_handle_config };

	void _handle_config()
	{
		_config_rom.update();
		if (!_config_doc.load_string(std::string(_config_rom.text()).c_str()))
			warning("config is not well-formed XML, using an empty one");
		_config  = _config_doc.child("config");
		_verbose = _config.attribute("verbose").as_bool(false);
	}

	Window *_window(unsigned id)
	{
		for (Window &w : _windows) if (w.id == id) return &w;
		return nullptr;
	}

	Window *_window(Proxy_session &s, Gui::View_id v)
	{
		for (Window &w : _windows) if (&w.session == &s && w.view.value == v.value) return &w;
		return nullptr;
	}

	/* the session's front-most window containing 'p', else its front-most one */
	Window *_window_of(Proxy_session &s, Point p)
	{
		Window *any = nullptr;
		for (Window &w : _windows) {
			if (&w.session != &s || !w.placed) continue;
			if (Wm::Window_entry::contains({ w.at, w.requested.area }, p)) return &w;
			if (!any) any = &w;
		}
		return any;
	}

	/* The layout, the decoration and the stacking follow once the entrypoint is idle */
	void _schedule_update(bool restack)
	{
		_restack_due = _restack_due || restack;
		if (_update_scheduled) return;
		_update_scheduled = true;
		_env.ep().schedule([this] { _update_scheduled = false; _update(); });
	}

	void _update()
	{
		if (_restack_due) _restack();
		_restack_due = false;

		Wm::Window_layout layout;
		for (Window const &w : _windows)
			if (w.placed && !w.session.closed())
				layout.push_back(w.entry(w.id == _focused));

		if (!_layout_reporter) return;
		bool const reported = bool(_layout_reporter->report(Wm::to_xml(layout)));
		if (!reported && !_layout_warned)
			warning("window_layout of ", layout.size(), " windows exceeds the report's ",
			        _layout_reporter->capacity(), " bytes: the decorations stay as they were");
		_layout_warned = !reported;
	}

	/* Back to front: each window's decoration, then its content, to the front */
	void _restack()
	{
		for (auto it = _windows.rbegin(); it != _windows.rend(); ++it) {
			if (!it->placed || it->session.closed()) continue;
			auto deco = _decorations.find(it->id);
			if (_decorator && deco != _decorations.end())
				_decorator->execute_at_gui({ Gui::Command::to_front(deco->second) });
			it->session.execute_at_gui({ Gui::Command::to_front(it->view) });
		}
	}

	void _raise(Window &w)
	{
		if (&_windows.front() != &w)
			for (auto it = _windows.begin(); it != _windows.end(); ++it)
				if (&*it == &w) { _windows.splice(_windows.begin(), _windows, it); break; }
		_schedule_update(true);
	}

	void _focus(Window &w)
	{
		if (_focused == w.id) return;
		_focused = w.id;
		if (_verbose) log("focus on window ", w.id, " (", w.session.label(), ")");
		_schedule_update(false);
	}

	/* The gui server shows the window where it is now */
	void _show(Window &w)
	{
		w.session.execute_at_gui({ Gui::Command::geometry(w.view, { w.at, w.requested.area }) });
	}

	void _close(Window &w)
	{
		log("closing window ", w.id, " (", w.session.label(), ")");

		/* the window disappears at once, whatever the client does with the request */
		for (Window &other : _windows)
			if (&other.session == &w.session)
				other.session.execute_at_gui({ Gui::Command::geometry(other.view, { other.at, { 0, 0 } }) });
		w.session.close_request();
		if (_focused == w.id) _focused = 0;
		_schedule_update(true);
	}

	/* The <assign> rule for a label: the first whose label, label_prefix or label_suffix matches */
	pugi::xml_node _assign(std::string_view label)
	{
		for (pugi::xml_node a : _config.children("assign")) {
			std::string_view const exact  = a.attribute("label").value();
			std::string_view const prefix = a.attribute("label_prefix").value();
			std::string_view const suffix = a.attribute("label_suffix").value();
			if (a.attribute("label") && label == exact) return a;
			if (a.attribute("label_prefix") && label.starts_with(prefix)) return a;
			if (a.attribute("label_suffix") && label.ends_with(suffix)) return a;
		}
		return { };
	}

	void _place_new(Window &w, Rect requested)
	{
		pugi::xml_node const rule = _assign(w.session.label());

		/* without a rule, where the client wants it, with its title bar on the screen */
		w.at = { rule.attribute("xpos").as_int(requested.at.x),
		         rule.attribute("ypos").as_int(std::max(requested.at.y, int32_t(Wm::TITLE_HEIGHT + Wm::BORDER))) };

		uint32_t const width  = rule.attribute("width").as_uint(0);
		uint32_t const height = rule.attribute("height").as_uint(0);
		if (width && height && (width != requested.area.w || height != requested.area.h))
			w.session.mode({ width, height });

		if (_verbose)
			log("window ", w.id, " (", w.session.label(), ") at ", w.at.x, ",", w.at.y);
	}

	/* Window_handler */

	std::optional<Area> initial_size(std::string_view label) override
	{
		pugi::xml_node const rule = _assign(label);
		uint32_t const width  = rule.attribute("width").as_uint(0);
		uint32_t const height = rule.attribute("height").as_uint(0);
		if (width && height) return Area { width, height };
		return std::nullopt;
	}

	Rect top_level_geometry(Proxy_session &s, Gui::View_id v, Rect requested) override
	{
		Window *w = _window(s, v);
		if (!w) {
			_windows.push_front(Window { .id = _next_id++, .session = s, .view = v,
			                             .title = std::string(s.label()) });
			w = &_windows.front();
		}
		bool const first = !w->placed;
		if (first) _place_new(*w, requested);

		w->requested = requested;
		w->placed    = requested.area.w != 0 && requested.area.h != 0;
		_schedule_update(first);
		return s.closed() ? Rect { w->at, { 0, 0 } } : Rect { w->at, requested.area };
	}

	void top_level_title(Proxy_session &s, Gui::View_id v, std::string_view title) override
	{
		if (s.role() == Proxy_session::Role::DECORATOR) {
			_decorator = &s;

			/* the decorator names each view by the id of the window it decorates */
			unsigned const id = unsigned(std::strtoul(std::string(title).c_str(), nullptr, 10));
			std::erase_if(_decorations, [&] (auto const &e) { return e.second.value == v.value; });
			if (id) _decorations[id] = v;
			_schedule_update(true);
			return;
		}
		Window *w = _window(s, v);
		if (!w) {
			_windows.push_front(Window { .id = _next_id++, .session = s, .view = v, .title = { } });
			w = &_windows.front();
		}
		/* the label says whose window it is, whatever the client calls it */
		w->title = std::string(s.label());
		if (!title.empty() && title != s.label()) w->title += " - " + std::string(title);
		_schedule_update(false);
	}

	void top_level_destroyed(Proxy_session &s, Gui::View_id v) override
	{
		if (s.role() == Proxy_session::Role::DECORATOR) {
			std::erase_if(_decorations, [&] (auto const &e) { return e.second.value == v.value; });
			return;
		}
		_windows.remove_if([&] (Window const &w) { return &w.session == &s && w.view.value == v.value; });
		_schedule_update(false);
	}

	void _app_event(Proxy_session &s, Input::Event e)
	{
		bool const positioned = e.type == Input::Event::ABS_MOTION || e.type == Input::Event::TOUCH;

		if (Window *w = _window_of(s, { e.x, e.y })) {

			/* a click raises the window, also where it has the focus already */
			if (e.type == Input::Event::PRESS || e.type == Input::Event::TOUCH)
				_raise(*w);
			if (positioned) {
				Point const p = w->local({ e.x, e.y });
				e.x = p.x; e.y = p.y;
			}
		}
		s.submit(e);
	}

	void _start_drag(Window &w, Wm::Element element)
	{
		_raise(w);
		_focus(w);
		if (element == Wm::Element::CLOSER) { _closer_pressed = w.id; return; }
		_drag = Drag { .window = w.id, .element = element, .start = _pointer,
		               .original = { w.at, w.requested.area } };
	}

	void _drag_to(Point p)
	{
		Window *w = _window(_drag->window);
		if (!w) { _drag.reset(); return; }

		using E = Wm::Element;
		E const e = _drag->element;
		Rect const o = _drag->original;
		int32_t const dx = p.x - _drag->start.x, dy = p.y - _drag->start.y;

		if (e == E::TITLE) {
			w->at = { o.at.x + dx, o.at.y + dy };
			_show(*w);
			_schedule_update(false);
			return;
		}

		bool const left   = e == E::LEFT  || e == E::TOP_LEFT    || e == E::BOTTOM_LEFT;
		bool const right  = e == E::RIGHT || e == E::TOP_RIGHT   || e == E::BOTTOM_RIGHT;
		bool const top    = e == E::TOP   || e == E::TOP_LEFT    || e == E::TOP_RIGHT;
		bool const bottom = e == E::BOTTOM || e == E::BOTTOM_LEFT || e == E::BOTTOM_RIGHT;

		auto const sized = [] (uint32_t size, int32_t delta, uint32_t min) {
			return uint32_t(std::max<int64_t>(int64_t(size) + delta, min)); };

		uint32_t const width  = left ? sized(o.area.w, -dx, MIN_WIDTH)  : right  ? sized(o.area.w, dx, MIN_WIDTH)  : o.area.w;
		uint32_t const height = top  ? sized(o.area.h, -dy, MIN_HEIGHT) : bottom ? sized(o.area.h, dy, MIN_HEIGHT) : o.area.h;

		/* a left or top edge moves the window as much as it grows */
		w->at = { left ? o.at.x + int32_t(o.area.w) - int32_t(width)  : o.at.x,
		          top  ? o.at.y + int32_t(o.area.h) - int32_t(height) : o.at.y };

		/* the client gets the new size as its mode and answers with a new buffer and geometry */
		w->session.mode({ width, height });
		_show(*w);
		_schedule_update(false);
	}

	void _decorator_event(Proxy_session &, Input::Event const &e)
	{
		switch (e.type) {
		case Input::Event::ABS_MOTION:
			_pointer = { e.x, e.y };
			if (_drag) _drag_to(_pointer);
			return;

		case Input::Event::PRESS:
			if (e.code == BTN_LEFT) {
				for (Window &w : _windows) {
					if (!w.placed || w.session.closed()) continue;
					Wm::Element const el = w.entry(false).element_at(_pointer);
					if (el == Wm::Element::NONE) continue;
					if (el != Wm::Element::CONTENT) _start_drag(w, el);
					return;
				}
				return;
			}
			break;

		case Input::Event::RELEASE:
			if (e.code == BTN_LEFT) {
				_drag.reset();
				if (_closer_pressed) {
					Window *w = _window(*_closer_pressed);
					_closer_pressed.reset();
					if (w && Wm::Window_entry::contains(w->entry(false).closer(), _pointer)) _close(*w);
				}
				return;
			}
			break;

		default: break;
		}

		/* keys typed while the decorator's session has the gui server's focus: the focused window's */
		if (e.type == Input::Event::PRESS || e.type == Input::Event::RELEASE)
			if (Window *w = _window(_focused))
				w->session.submit(e);
	}

	void event(Proxy_session &s, Input::Event const &e) override
	{
		if (s.role() == Proxy_session::Role::DECORATOR) _decorator_event(s, e);
		else _app_event(s, e);
	}

	void focused(Proxy_session &s) override
	{
		/* the decorator's focus is the focus of the window whose title was clicked (already wm's) */
		if (s.role() == Proxy_session::Role::DECORATOR) return;

		for (Window &w : _windows)
			if (&w.session == &s && w.placed && !s.closed()) {
				_focus(w);
				_raise(w);
				return;
			}
	}

	void _session_closing(Proxy_session &s)
	{
		if (&s == _decorator) { _decorator = nullptr; _decorations.clear(); }
		_windows.remove_if([&] (Window const &w) { return &w.session == &s; });
		_schedule_update(false);
	}

	Main(Env &env) : _env(env)
	{
		_config_rom.sigh(_config_handler.cap());
		_handle_config();

		/* the decorator draws from this report: on unless the config says otherwise */
		if (_config.child("report").attribute("window_layout").as_bool(true))
			_layout_reporter.emplace(_env, "window_layout", LAYOUT_REPORT_SIZE);

		_root.closing = [this] (Proxy_session &s) { _session_closing(s); };
		(void)announce(_env, "Gui", _root);
	}
};


void nestbox::construct(nestbox::Env &env) { static Wm_server::Main main(env); }
