/*
 * wm: a window manager between the applications and the gui server
 *
 * A Gui server to applications and a Gui client of the gui server: each
 * application's top-level view becomes a window. wm only carries out what
 * others decide, as Genode's wm does: it reports the windows as
 * "window_list", the window_layouter decides where they go, their sizes
 * and the focus (the ROMs "window_layout", "resize_request", "focus"),
 * the decorator draws the decorations. wm stacks each decoration (the
 * decorator names its views by window id) with its window, passes the
 * pointer to the layouter's and the decorator's sessions, and keys that
 * arrive on a decoration to the focused window. See README.md.
 */

#include <deque>
#include <list>
#include <optional>

#include <linux/input-event-codes.h>

#include <pugixml.hpp>

#include <nestbox/config_document.h>
#include <nestbox/component.h>
#include <nestbox/manifest.h>
#include <nestbox/report.h>
#include <nestbox/root_component.h>
#include <nestbox/util/arg_string.h>
#include <nestbox/util/policy.h>
#include <nestbox/wm/window_layout.h>
#include <nestbox/wm/window_list.h>

#include "proxy_session.h"

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires>
			<service name="Gui"/>
			<service name="Report" label="window_list"/>
			<service name="Report" label="focus_request"/>
			<service name="ROM" label="window_layout"/>
			<service name="ROM" label="resize_request"/>
			<service name="ROM" label="focus"/>
		</requires>
		<provides> <service name="Gui"/> </provides>
	</manifest>)");

namespace Wm_server {

	struct Window;
	class  Wm_root;
	struct Main;

	/* the window_list report's buffer: about 100 windows with long labels */
	enum : size_t { LIST_REPORT_SIZE = 32*1024 };

	/* keys typed on a decoration held back until the layouter's focus follows the last press */
	enum : size_t { MAX_HELD_KEYS = 64 };
}


struct Wm_server::Window
{
	unsigned const  id;
	Proxy_session  &session;
	Gui::View_id const view;

	std::string title;
	Rect  requested { };        /* where the client put its view, in its own coordinates */
	Point at        { 0, 0 };   /* where the layouter put the content on the screen */
	bool  laid_out  = false;    /* in the window_layout (until then it is not shown) */

	Area shown_area() const
	{
		return laid_out && !session.closed() ? requested.area : Area { 0, 0 };
	}

	/* a position of the screen in the client's coordinates */
	Point local(Point p) const
	{
		return { p.x - at.x + requested.at.x, p.y - at.y + requested.at.y };
	}
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
			std::string_view const role_name = policy.attribute("role").value();
			auto const role = role_name == "decorator" ? Proxy_session::Role::DECORATOR
			                : role_name == "layouter"  ? Proxy_session::Role::LAYOUTER
			                :                            Proxy_session::Role::APP;

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
			_handler.opened(*session);
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

	Config_document    _config_doc { _env };
	pugi::xml_node     _config     { };
	bool               _verbose    = false;

	Wm_root _root { _env, *this, _config };

	/* the layouter's decisions */
	Xml_rom _layout_rom { _env, "window_layout" };
	Xml_rom _resize_rom { _env, "resize_request" };
	Xml_rom _focus_rom  { _env, "focus" };

	Reporter _list_reporter  { _env, "window_list", LIST_REPORT_SIZE };
	Reporter _focus_reporter { _env, "focus_request", 256 };

	std::list<Window> _windows { };   /* front-most first, as the layout stacks them */
	unsigned          _next_id = 1;
	unsigned          _focused = 0;   /* the layouter's focus */
	unsigned          _focus_requests = 0;

	uint64_t                 _presses_sent = 0;   /* button presses passed to the layouter */
	uint64_t                 _presses_seen = 0;   /* those its focus report has answered */
	std::deque<Input::Event> _held_keys { };
	bool                     _held_warned = false;

	Proxy_session *_decorator = nullptr;
	Proxy_session *_layouter  = nullptr;
	std::map<unsigned, Gui::View_id> _decorations { };   /* window id -> the decorator's view */

	bool _list_warned     = false;   /* the report did not fit (said once) */
	bool _list_due        = false;
	bool _restack_due     = false;
	bool _update_scheduled = false;

	Signal_handler<Main> _config_handler { _env.ep(), *this, &Main::_handle_config };
	Signal_handler<Main> _layout_handler { _env.ep(), *this, &Main::_handle_layout };
	Signal_handler<Main> _resize_handler { _env.ep(), *this, &Main::_handle_resize };
	Signal_handler<Main> _focus_handler  { _env.ep(), *this, &Main::_handle_focus };

	void _handle_config()
	{
		_config_doc.update();
		_config  = _config_doc.node();
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

	/* the session's front-most shown window containing 'p', else its front-most one */
	Window *_window_of(Proxy_session &s, Point p)
	{
		Window *any = nullptr;
		for (Window &w : _windows) {
			if (&w.session != &s) continue;
			if (Wm::Window_entry::contains({ w.at, w.shown_area() }, p)) return &w;
			if (!any) any = &w;
		}
		return any;
	}

	/* The report and the stacking follow once the entrypoint is idle */
	void _schedule_update(bool list, bool restack)
	{
		_list_due    = _list_due    || list;
		_restack_due = _restack_due || restack;
		if (_update_scheduled) return;
		_update_scheduled = true;
		_env.ep().schedule([this] { _update_scheduled = false; _update(); });
	}

	void _update()
	{
		if (_restack_due) _restack();
		_restack_due = false;

		if (!_list_due) return;
		_list_due = false;

		Wm::Window_list list;
		for (auto it = _windows.rbegin(); it != _windows.rend(); ++it)
			if (!it->session.closed())
				list.push_back({ .id = it->id, .label = std::string(it->session.label()),
				                 .title = it->title, .size = it->requested.area });
		std::sort(list.begin(), list.end(), [] (auto const &a, auto const &b) { return a.id < b.id; });

		bool const reported = bool(_list_reporter.report(Wm::to_xml(list)));
		if (!reported && !_list_warned)
			warning("window_list of ", list.size(), " windows exceeds the report's ",
			        _list_reporter.capacity(), " bytes: the layout stays as it was");
		_list_warned = !reported;
	}

	/* Back to front: each window's decoration, then its content, to the front */
	void _restack()
	{
		for (auto it = _windows.rbegin(); it != _windows.rend(); ++it) {
			if (!it->laid_out || it->session.closed()) continue;
			auto deco = _decorations.find(it->id);
			if (_decorator && deco != _decorations.end())
				_decorator->execute_at_gui({ Gui::Command::to_front(deco->second) });
			it->session.execute_at_gui({ Gui::Command::to_front(it->view) });
		}
	}

	/* The gui server shows the window where it is now (or not at all) */
	void _show(Window &w)
	{
		w.session.execute_at_gui({ Gui::Command::geometry(w.view, { w.at, w.shown_area() }) });
	}

	/* The layouter's window_layout: where each window goes, and the stacking */
	void _handle_layout()
	{
		Wm::Window_layout const layout = Wm::from_xml(_layout_rom.latest("window_layout"));

		std::vector<unsigned> order;
		for (Window const &w : _windows) if (w.laid_out) order.push_back(w.id);

		std::list<Window> restacked;
		for (Wm::Window_entry const &e : layout) {
			auto it = std::find_if(_windows.begin(), _windows.end(), [&] (Window const &w) { return w.id == e.id; });
			if (it == _windows.end()) continue;
			bool const moved = !it->laid_out || it->at.x != e.content.at.x || it->at.y != e.content.at.y;
			it->at       = e.content.at;
			it->laid_out = true;
			if (moved) _show(*it);
			restacked.splice(restacked.end(), _windows, it);
		}

		/* windows the layout does not hold (yet) are not shown, behind the others */
		for (Window &w : _windows)
			if (w.laid_out) { w.laid_out = false; _show(w); }
		restacked.splice(restacked.end(), _windows);

		_windows = std::move(restacked);
		std::vector<unsigned> new_order;
		for (Window const &w : _windows) if (w.laid_out) new_order.push_back(w.id);
		bool const reordered = order != new_order;

		/* at once: the decorator may be drawing this layout right now (see top_level_geometry) */
		if (reordered || _restack_due) { _restack(); _restack_due = false; }
	}

	/* The layouter's resize_request: each window's client gets the size as its mode; 0x0 closes */
	void _handle_resize()
	{
		for (Wm::Resize const &r : Wm::resize_request_from_xml(_resize_rom.latest("resize_request"))) {
			Window *w = _window(r.id);
			if (!w || w->session.closed()) continue;
			if (r.size.w && r.size.h) { w->session.mode(r.size); continue; }

			/* the window disappears at once, decoration and all, whatever the client does with the request */
			w->session.close_request();
			for (Window &other : _windows) {
				if (&other.session != &w->session) continue;
				_show(other);
				auto deco = _decorations.find(other.id);
				if (_decorator && deco != _decorations.end())
					_decorator->execute_at_gui({ Gui::Command::geometry(deco->second, { other.at, { 0, 0 } }) });
			}
			log("closing window ", w->id, " (", w->session.label(), ")");
			_schedule_update(true, false);
		}
	}

	void _handle_focus()
	{
		pugi::xml_node const focus = _focus_rom.latest("focus");
		unsigned const focused = Wm::focused_window(focus);
		if (_verbose && focused != _focused) log("focus on window ", focused);
		_focused      = focused;
		_presses_seen = focus.attribute("presses").as_ullong(0);
		if (_presses_seen >= _presses_sent) _release_keys();
	}

	void _deliver_key(Input::Event const &e)
	{
		if (Window *w = _window(_focused))
			if (!w->session.closed()) w->session.submit(e);
	}

	void _release_keys()
	{
		while (!_held_keys.empty()) { _deliver_key(_held_keys.front()); _held_keys.pop_front(); }
	}

	/*
	 * A key typed on a decoration goes to the window the layouter focused
	 * in answer to the last click: until its focus report has answered
	 * every press passed to it, keys wait (a few, then they go where the
	 * focus is now)
	 */
	void _key(Input::Event const &e)
	{
		if (_presses_seen >= _presses_sent || !_layouter) { _release_keys(); _deliver_key(e); return; }

		if (_held_keys.size() >= MAX_HELD_KEYS) {
			if (!_held_warned)
				warning("the layouter's focus lags behind ", size_t(MAX_HELD_KEYS), " keys: they go to window ", _focused);
			_held_warned = true;
			_release_keys();
		}
		_held_keys.push_back(e);
	}

	/* Window_handler */

	std::optional<Area> initial_size(std::string_view) override { return std::nullopt; }

	Window &_window_for(Proxy_session &s, Gui::View_id v)
	{
		if (Window *w = _window(s, v)) return *w;
		_windows.push_back(Window { .id = _next_id++, .session = s, .view = v,
		                            .title = std::string(s.label()) });
		if (_verbose) log("window ", _windows.back().id, " (", s.label(), ")");
		return _windows.back();
	}

	Rect top_level_geometry(Proxy_session &s, Gui::View_id v, Rect requested) override
	{
		/*
		 * The decorator places a decoration from the window_layout it read:
		 * the window's content follows now, from that layout or a newer one,
		 * so that once the decorator's commands are done, the screen shows
		 * the content where the decoration says (as Genode's decorator
		 * places the content views itself)
		 */
		if (s.role() == Proxy_session::Role::DECORATOR) { _handle_layout(); return requested; }
		if (s.role() != Proxy_session::Role::APP) return requested;

		Window &w = _window_for(s, v);
		bool const resized = requested.area.w != w.requested.area.w || requested.area.h != w.requested.area.h;
		w.requested = requested;
		if (resized) _schedule_update(true, false);
		return { w.at, w.shown_area() };
	}

	void top_level_title(Proxy_session &s, Gui::View_id v, std::string_view title) override
	{
		if (s.role() == Proxy_session::Role::DECORATOR) {
			_decorator = &s;

			/* the decorator names each view by the id of the window it decorates */
			unsigned const id = unsigned(std::strtoul(std::string(title).c_str(), nullptr, 10));
			std::erase_if(_decorations, [&] (auto const &e) { return e.second.value == v.value; });
			if (id) _decorations[id] = v;
			_schedule_update(false, true);
			return;
		}
		if (s.role() != Proxy_session::Role::APP) return;

		Window &w = _window_for(s, v);
		w.title = title.empty() ? std::string(s.label()) : std::string(title);
		_schedule_update(true, false);
	}

	void top_level_destroyed(Proxy_session &s, Gui::View_id v) override
	{
		if (s.role() == Proxy_session::Role::DECORATOR) {
			std::erase_if(_decorations, [&] (auto const &e) { return e.second.value == v.value; });
			return;
		}
		_windows.remove_if([&] (Window const &w) { return &w.session == &s && w.view.value == v.value; });
		_schedule_update(true, false);
	}

	static bool _button(Input::Event const &e)
	{
		return (e.type == Input::Event::PRESS || e.type == Input::Event::RELEASE)
		    && e.code >= BTN_MISC && e.code < KEY_OK;
	}

	/* The layouter sees the pointer wherever it is, in screen coordinates, and its buttons */
	void _to_layouter(Input::Event const &e)
	{
		if (!_layouter) return;
		if (e.type == Input::Event::ABS_MOTION || _button(e)) _layouter->submit(e);
		if (_button(e) && e.type == Input::Event::PRESS) _presses_sent++;
	}

	void _app_event(Proxy_session &s, Input::Event e)
	{
		bool const positioned = e.type == Input::Event::ABS_MOTION || e.type == Input::Event::TOUCH;

		if (positioned) {
			_to_layouter(e);
			if (Window *w = _window_of(s, { e.x, e.y })) {
				Point const p = w->local({ e.x, e.y });
				e.x = p.x; e.y = p.y;
			}
		}
		if (_button(e)) _to_layouter(e);
		s.submit(e);
	}

	void _decorator_event(Proxy_session &s, Input::Event const &e)
	{
		/* the pointer: the decorator tells what is under it (hover), the layouter acts on it */
		bool const pointer = e.type == Input::Event::ABS_MOTION || e.type == Input::Event::HOVER_LEAVE || _button(e);
		if (pointer) {
			s.submit(e);
			_to_layouter(e);
			return;
		}

		/* keys typed while the decorator's session has the gui server's focus: the focused window's */
		if (e.type == Input::Event::PRESS || e.type == Input::Event::RELEASE) _key(e);
	}

	void event(Proxy_session &s, Input::Event const &e) override
	{
		switch (s.role()) {
		case Proxy_session::Role::DECORATOR: _decorator_event(s, e); return;
		case Proxy_session::Role::APP:       _app_event(s, e);       return;
		case Proxy_session::Role::LAYOUTER:  return;   /* it has no views */
		}
	}

	/* The gui server focused a client (a click into it): the layouter hears of it */
	void focused(Proxy_session &s) override
	{
		if (s.role() != Proxy_session::Role::APP || s.closed()) return;

		for (Window &w : _windows)
			if (&w.session == &s) {
				(void)_focus_reporter.report(Wm::focus_request_xml(++_focus_requests, w.id));
				return;
			}
	}

	void opened(Proxy_session &s) override
	{
		/* a new layouter counts the presses it gets from zero */
		if (s.role() == Proxy_session::Role::LAYOUTER) { _layouter = &s; _presses_sent = _presses_seen = 0; }
	}

	void _session_closing(Proxy_session &s)
	{
		if (&s == _decorator) { _decorator = nullptr; _decorations.clear(); }
		if (&s == _layouter) { _layouter = nullptr; _release_keys(); }
		_windows.remove_if([&] (Window const &w) { return &w.session == &s; });
		_schedule_update(true, false);
	}

	Main(Env &env) : _env(env)
	{
		_config_doc.sigh(_config_handler.cap());
		_handle_config();

		_layout_rom.sigh(_layout_handler.cap());
		_resize_rom.sigh(_resize_handler.cap());
		_focus_rom.sigh(_focus_handler.cap());

		_root.closing = [this] (Proxy_session &s) { _session_closing(s); };
		_schedule_update(true, false);
		(void)announce(_env, "Gui", _root);
	}
};


void nestbox::construct(nestbox::Env &env) { static Wm_server::Main main(env); }
