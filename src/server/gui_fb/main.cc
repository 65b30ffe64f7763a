/*
 * gui_fb: a window of a Gui server, offered as Framebuffer and Input
 *
 * It opens a Gui session, shows one view of its buffer and provides that
 * buffer as a Framebuffer session and the window's input as an Input
 * session, so that anything written for a display (a nested gui server,
 * say) runs in a window. Positions in input events become positions in
 * the buffer. A window manager's new mode resizes the window (and is the
 * Framebuffer clients' new mode); its 0x0 closes it. See README.md.
 */

#include <optional>
#include <string>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/manifest.h>
#include <nestbox/session/gui.h>

#include "sessions.h"

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Gui"/> </requires>
		<provides> <service name="Framebuffer"/> <service name="Input"/> </provides>
	</manifest>)");

namespace Gui_fb { struct Main; }


struct Gui_fb::Main : Window
{
	Env &_env;

	Attached_rom _config { _env, "config" };

	enum : uint64_t { BASE_QUOTA = 64*1024 };

	/* 8 caps, as the apps give: enough for a window manager in between (wm keeps 2) */
	Connection<Gui::Client> _gui { _env, "", "ram_quota=" + std::to_string(BASE_QUOTA) + ", cap_quota=8" };

	template <typename T>
	T _required(Result<T> &&r, char const *what)
	{
		if (!r) { error(what, " failed: ", error_name(r.error())); _env.exit(-1); }
		return std::move(*r);
	}

	Framebuffer::Client _fb       { _required(_gui.framebuffer(), "Gui framebuffer") };
	Input::Client       _input    { _required(_gui.input(), "Gui input") };
	Attached_dataspace  _events   { _required(_input.dataspace(), "Gui input buffer") };
	Attached_dataspace  _commands { _required(_gui.command_dataspace(), "Gui commands") };
	Gui::View_id        _view     { _required(_gui.create_view(), "create_view") };

	Rect                 _geometry { { 0, 0 }, { 0, 0 } };
	Dataspace_capability _buffer   { };
	uint64_t             _donated  = 0;

	Framebuffer_root _fb_root    { _env.ep(), *this };
	Input_root       _input_root { _env.ep(), _env.pd() };

	Signal_handler<Main> _config_handler { _env.ep(), *this, &Main::_handle_config };
	Signal_handler<Main> _input_handler  { _env.ep(), *this, &Main::_handle_input };
	Signal_handler<Main> _mode_handler   { _env.ep(), *this, &Main::_handle_mode };

	void _execute(std::initializer_list<Gui::Command> commands)
	{
		auto &buffer = *_commands.local_addr<Gui::Command_buffer>();
		buffer.count = 0;
		for (Gui::Command const &c : commands) buffer.commands[buffer.count++] = c;
		(void)_gui.execute();
	}

	/* Size the window; a size of 0 follows the Gui server's screen */
	void _apply(Rect r)
	{
		if (r.area.w == 0 || r.area.h == 0) {
			Area const screen = _gui.mode() ? _gui.mode()->area : Area { 0, 0 };
			if (r.area.w == 0) r.area.w = screen.w;
			if (r.area.h == 0) r.area.h = screen.h;
		}

		bool const resized = r.area.w != _geometry.area.w || r.area.h != _geometry.area.h;
		if (resized) {
			Framebuffer::Mode const mode { r.area, false };
			if (mode.bytes() > _donated) {
				if (auto up = _gui.upgrade("ram_quota=" + std::to_string(mode.bytes() - _donated)); !up) {
					error("no quota for a window of ", r.area.w, "x", r.area.h);
					return;
				}
				_donated = mode.bytes();
			}
			if (auto b = _gui.buffer(mode); !b) {
				error("no buffer of ", r.area.w, "x", r.area.h, ": ", error_name(b.error()));
				return;
			}
			auto ds = _fb.dataspace();
			_buffer = ds ? std::move(*ds) : Dataspace_capability();
		}

		_geometry = r;
		_execute({ Gui::Command::geometry(_view, r), Gui::Command::offset_of(_view, { 0, 0 }) });
		if (resized) {
			log("window ", r.area.w, "x", r.area.h);
			_fb_root.mode_changed();
		}
	}

	void _handle_config()
	{
		_config.update();
		pugi::xml_document doc;
		doc.load_buffer(_config.text().data(), _config.text().size());
		pugi::xml_node const c = doc.document_element();

		_execute({ Gui::Command::title_of(_view, c.attribute("title").as_string("")) });
		_apply({ { c.attribute("xpos").as_int(0), c.attribute("ypos").as_int(0) },
		         { c.attribute("width").as_uint(0), c.attribute("height").as_uint(0) } });
	}

	/*
	 * The Gui server changed the session's mode: a window manager resized
	 * the window (the Framebuffer clients get the new mode), or asks it to
	 * close with 0x0 (gui_fb exits, as the apps do). On a gui server
	 * without a window manager, the mode is the screen's.
	 */
	void _handle_mode()
	{
		auto const m = _gui.mode();
		if (!m) return;
		if (m->area.w == 0 && m->area.h == 0) {
			log("window closed");
			_env.exit(0);
			return;
		}
		_apply({ _geometry.at, m->area });
	}

	void _handle_input()
	{
		for (unsigned round = 0; round < 8; round++) {
			auto const n = _input.flush();
			if (!n || *n == 0) return;
			auto const *events = _events.local_addr<Input::Event const>();
			for (uint32_t i = 0; i < std::min<uint32_t>(*n, Input::MAX_EVENTS); i++) {
				Input::Event e = events[i];

				/* the Gui server passes its own coordinates: the buffer's are relative to the view */
				if (e.type == Input::Event::ABS_MOTION || e.type == Input::Event::TOUCH) {
					e.x -= _geometry.at.x;
					e.y -= _geometry.at.y;
				}
				_input_root.submit(e);
			}
		}
	}

	/* Window */
	Framebuffer::Mode mode() override { return { _geometry.area, false }; }

	Result<Dataspace_capability> dataspace() override
	{
		if (!_buffer.valid()) return failure(Error::UNAVAILABLE);
		return _buffer.copy();
	}

	void refresh(Rect r) override { (void)_fb.refresh(r); }
	void sync_sigh(Signal_context_capability s) override { (void)_fb.sync_sigh(std::move(s)); }

	Main(Env &env) : _env(env)
	{
		if (_commands.size() < sizeof(Gui::Command_buffer)) {
			error("Gui command buffer too small");
			_env.exit(-1);
		}
		(void)_input.sigh(_input_handler.cap());
		(void)_gui.mode_sigh(_mode_handler.cap());
		_config.sigh(_config_handler.cap());
		_handle_config();
		_execute({ Gui::Command::to_front(_view) });

		(void)announce(_env, "Framebuffer", _fb_root);
		(void)announce(_env, "Input",       _input_root);
	}
};


void nestbox::construct(nestbox::Env &env) { static Gui_fb::Main main(env); }
