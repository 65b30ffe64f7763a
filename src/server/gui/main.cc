/*
 * gui: a nitpicker-style GUI server
 *
 * It owns one screen (a Framebuffer session) and one set of input devices
 * (an Input session) and multiplexes them among Gui clients: each client
 * gets its own buffer and views, composed into the screen in the order of
 * the view stack, and only the input meant for it. Which client is where
 * in the stack, how it gets the focus and whether its views are labeled is
 * the config's policy (domains), never the client's. See README.md.
 */

#include <optional>
#include <string>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/manifest.h>
#include <nestbox/session/framebuffer.h>
#include <nestbox/session/input.h>
#include <nestbox/util/policy.h>

#include "gui_root.h"
#include "pointer.h"
#include "state_report.h"
#include "user_state.h"

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires>
			<service name="Framebuffer"/> <service name="Input"/>
			<service name="Report" optional="yes"/>
		</requires>
		<provides> <service name="Gui"/> </provides>
	</manifest>)");

namespace Gui_server { struct Main; }


struct Gui_server::Main : Session_action, User_state::Action, Gui_root::Policy
{
	Env &_env;

	Attached_rom       _config     { _env, "config" };
	pugi::xml_document _config_doc { };
	std::optional<std::string> _applied_config { };

	Connection<Framebuffer::Client> _fb    { _env };
	Connection<Input::Client>       _input { _env };

	Attached_dataspace _screen { };
	Attached_dataspace _events { };

	Domain_registry _domains     { };
	Global_keys     _global_keys { };
	Color           _background  { 0x20, 0x20, 0x20 };
	bool            _pointer     = true;
	bool            _verbose     = false;

	View_stack _stack      { };
	Focus      _focus      { };
	User_state _user_state { _stack, _focus, *this };
	Gui_root   _root       { { _env.pd(), _env.ep(), _stack, _focus, *this }, *this };

	std::optional<State_report> _hover_report { };
	std::optional<State_report> _focus_report { };

	Signal_handler<Main> _config_handler { _env.ep(), *this, &Main::_handle_config };
	Signal_handler<Main> _mode_handler   { _env.ep(), *this, &Main::_handle_mode };
	Signal_handler<Main> _input_handler  { _env.ep(), *this, &Main::_handle_input };
	Signal_handler<Main> _sync_handler   { _env.ep(), *this, &Main::_handle_sync };

	bool  _update_scheduled = false;
	bool  _syncing          = false;
	std::optional<Point> _drawn_pointer { };   /* where the pointer is on the screen, if shown */

	/*
	 * Redraw what is dirty once the entrypoint has dispatched what is
	 * pending: many changes in one batch cost one redraw.
	 */
	void _schedule_update()
	{
		if (_update_scheduled) return;
		_update_scheduled = true;
		_env.ep().schedule([this] { _update_scheduled = false; _update(); });
	}

	void _update()
	{
		Area const area = _stack.screen();
		if (!_screen.valid() || area.w == 0 || area.h == 0) { (void)_stack.dirty().take(); return; }

		/* the pointer is part of the picture: where it was and where it is are dirty */
		Point const pointer = _stack.pointer();
		bool  const visible = _pointer && _user_state.pointer_visible();
		bool  const moved   = !_drawn_pointer || _drawn_pointer->x != pointer.x || _drawn_pointer->y != pointer.y;
		if (_drawn_pointer && (!visible || moved)) _stack.damage(Pointer::area(*_drawn_pointer));
		if (visible && moved) _stack.damage(Pointer::area(pointer));
		_drawn_pointer = visible ? std::optional<Point>(pointer) : std::nullopt;

		Canvas canvas(_screen.local_addr<Pixel>(), area);
		Draw_context const ctx { _focus.session, _background };

		for (Rect const &r : _stack.dirty().take()) {
			_stack.draw(canvas, r, ctx);
			if (visible) {
				canvas.clip(r);
				Pointer::draw(canvas, pointer);
				canvas.clip(canvas.bounds());
			}
			(void)_fb.refresh(r);
		}
	}

	void _handle_mode()
	{
		auto mode = _fb.mode();
		auto ds   = _fb.dataspace();
		Area area { 0, 0 };
		_screen = Attached_dataspace();
		if (mode && ds) {
			_screen = Attached_dataspace(std::move(*ds));
			/* a driver that hands out less than its mode would have us write past the mapping */
			if (_screen.size() >= size_t(mode->area.w) * mode->area.h * sizeof(Pixel))
				area = mode->area;
		}
		if (area.w == 0 || area.h == 0) error("no usable screen from the framebuffer driver");
		else if (_verbose) log("screen ", area.w, "x", area.h);

		_stack.screen(area);
		_root.for_each_session([] (Gui_session &s) { s.screen_changed(); });
		_schedule_update();
	}

	void _handle_input()
	{
		/* a bounded number of rounds: the driver signals again if more are pending */
		for (unsigned round = 0; round < 8; round++) {
			auto const n = _input.flush();
			if (!n || *n == 0) break;

			/* copied first: the buffer is shared with the driver */
			uint32_t const count = std::min<uint32_t>(*n, uint32_t(std::min(_events.size() / sizeof(Input::Event),
			                                                                 size_t(Input::MAX_EVENTS))));
			Input::Event events[Input::MAX_EVENTS];
			std::memcpy(events, _events.local_addr(), count * sizeof(Input::Event));

			for (uint32_t i = 0; i < count; i++) _user_state.handle(events[i]);
		}
		_schedule_update();
	}

	void _handle_sync() { _root.for_each_session([] (Gui_session &s) { s.sync(); }); }

	void _apply_session_policy(Gui_session &s, Domain_registry const &domains)
	{
		pugi::xml_node const policy = select_policy(_config_doc.document_element(), s.label());
		std::string_view const name = policy.attribute("domain").value();
		Domain const *d = policy ? domains.lookup(name) : nullptr;
		if (!d) warning("\"", s.label(), "\": ", policy ? "unknown domain" : "no policy", ", views hidden");
		s.domain(d);
	}

	void _handle_config()
	{
		_config.update();

		std::string_view const text = _config.text();
		if (_applied_config && *_applied_config == text) return;
		_applied_config = std::string(text);

		pugi::xml_parse_result const parsed =
			_config_doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);

		/* like Genode's config ROM, content that is no XML counts as an empty config */
		if (!parsed || !_config_doc.document_element()) {
			if (text.find_first_not_of(" \t\r\n") != std::string_view::npos)
				error("malformed config (", parsed.description(), "), no policies apply");
			_config_doc.reset();
			_config_doc.append_child("config");
		}
		pugi::xml_node const config = _config_doc.document_element();

		_verbose = config.attribute("verbose").as_bool(false);
		_pointer = config.attribute("pointer").as_bool(true);

		_background = { 0x20, 0x20, 0x20 };
		if (pugi::xml_attribute const c = config.child("background").attribute("color")) {
			if (auto color = Color::parse(c.value())) _background = *color;
			else warning("malformed background color \"", c.value(), "\"");
		}

		/* sessions move to the new domains before the old ones go */
		Domain_registry domains(config);
		_root.for_each_session([&] (Gui_session &s) { _apply_session_policy(s, domains); });
		_domains     = std::move(domains);
		_global_keys = Global_keys(config);

		pugi::xml_node const report = config.child("report");
		bool const hover = report.attribute("hover").as_bool(false);
		bool const focus = report.attribute("focus").as_bool(false);
		if (hover != _hover_report.has_value()) { if (hover) _hover_report.emplace(_env, "hover"); else _hover_report.reset(); }
		if (focus != _focus_report.has_value()) { if (focus) _focus_report.emplace(_env, "focus"); else _focus_report.reset(); }
		hover_changed();
		_report_focus();

		_stack.restack_all();
		_user_state.update_hover();
		_schedule_update();

		if (_verbose) log("config applied: ", _domains.size(), " domains");
	}

	void _report_focus()
	{
		if (_focus_report) _focus_report->report(state_node("focus", _focus.session));
	}

	/* Session_action */
	void views_changed() override { _user_state.update_hover(); _schedule_update(); }
	void pixels_changed() override { _schedule_update(); }

	void sync_wanted_changed() override
	{
		bool wanted = false;
		_root.for_each_session([&] (Gui_session &s) { wanted = wanted || s.wants_sync(); });
		if (wanted == _syncing) return;
		_syncing = wanted;
		(void)_fb.sync_sigh(wanted ? _sync_handler.cap() : Signal_context_capability());
	}

	/* User_state::Action */
	void focus_changed(View_owner *old_focus, View_owner *new_focus) override
	{
		/* the sessions are told from here: User_state knows clients only as View_owners */
		_root.for_each_session([&] (Gui_session &s) {
			View_owner const *o = &s;
			if (o == old_focus || o == new_focus) s.focus_changed(); });
		if (_verbose) log("focus: \"", new_focus ? new_focus->label() : "", "\"");

		/* tinting and frames depend on the focus */
		_stack.damage_all();
		_schedule_update();
		_report_focus();
	}

	void hover_changed() override
	{
		if (_hover_report) _hover_report->report(state_node("hover", _user_state.hovered()));
	}

	View_owner *global_key_receiver(uint32_t code) override
	{
		return _global_keys.receiver(code, [&] (std::string_view label) -> View_owner * {
			return _root.session_by_label(label); });
	}

	/* Gui_root::Policy */
	std::optional<Domain const *> domain_for(std::string_view label) override
	{
		/* the parent may have changed the config just before starting this client */
		_handle_config();

		pugi::xml_node const policy = select_policy(_config_doc.document_element(), label);
		if (!policy) return std::nullopt;

		std::string_view const name = policy.attribute("domain").value();
		Domain const *d = _domains.lookup(name);
		if (!d) warning("\"", label, "\": policy names unknown domain \"", name, "\", views hidden");
		if (_verbose) log("session \"", label, "\" opened, domain \"", name, "\"");
		return d;
	}

	void session_closing(Gui_session &s) override
	{
		if (_verbose) log("session \"", s.label(), "\" closed");
		_user_state.forget(s);
		_schedule_update();
	}

	Main(Env &env) : _env(env)
	{
		_config.sigh(_config_handler.cap());
		_handle_config();

		(void)_fb.mode_sigh(_mode_handler.cap());
		_handle_mode();

		if (auto ds = _input.dataspace()) _events = Attached_dataspace(std::move(*ds));
		(void)_input.sigh(_input_handler.cap());

		(void)announce(_env, "Gui", _root);
	}
};


void nestbox::construct(nestbox::Env &env) { static Gui_server::Main main(env); }
