/*
 * A Gui session of wm: one client's session, passed on to the gui server
 *
 * wm opens a Gui session at the gui server for each of its clients and
 * hands the client that session's buffer directly (pixels never pass
 * through wm). What wm must own it intercepts: the placement and stacking
 * of top-level views (each is a window; Main puts it where the layouter
 * says), the mode the client is told (the window's size), and the input
 * (positions become the client's coordinates). Commands are
 * copied out of the client's buffer before they are looked at, view ids
 * are the gui server's, which checks them as for any client.
 */
#pragma once

#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <nestbox/connection.h>
#include <nestbox/env.h>
#include <nestbox/input/event_queue.h>
#include <nestbox/log.h>
#include <nestbox/session/gui.h>

namespace Wm_server {

	using namespace nestbox;

	using Gui_connection = Connection<Gui::Client>;

	class Proxy_session;
	struct Window_handler;
}


/* What a session tells Main, which owns the windows */
struct Wm_server::Window_handler
{
	virtual ~Window_handler() = default;

	/*
	 * The client placed its top-level 'view' at 'requested': where it really
	 * goes (an application's window where the layout says, a decoration
	 * where the decorator put it)
	 */
	virtual Rect top_level_geometry(Proxy_session &, Gui::View_id, Rect requested) = 0;

	virtual void top_level_title(Proxy_session &, Gui::View_id, std::string_view) = 0;

	virtual void top_level_destroyed(Proxy_session &, Gui::View_id) = 0;

	/* The size a new client's windows get from the start, if the config gives one */
	virtual std::optional<Area> initial_size(std::string_view label) = 0;

	/* An input event of the gui server for this session, in screen coordinates */
	virtual void event(Proxy_session &, Input::Event const &) = 0;

	/*
	 * The gui server gave this session the keyboard focus. Its word is
	 * final: the events of different sessions reach wm in separate queues,
	 * so their order across sessions is lost, but the focus it reports is
	 * where the last click went.
	 */
	virtual void focused(Proxy_session &) = 0;

	/* A session was opened (its role is known) */
	virtual void opened(Proxy_session &) = 0;
};


class Wm_server::Proxy_session : public Rpc_object<Gui::Session>
{
	public:

		enum class Role { APP, DECORATOR, LAYOUTER };

		/* what a client must give: wm's own two buffers plus the gui server's session (24K, 4 caps) */
		enum : uint64_t { SESSION_COST = 64*1024, SESSION_CAPS = 6 };

		enum : size_t { MAX_TOP_LEVEL = 16, MAX_CHANNELS = 8 };

	private:

		Env            &_env;
		Window_handler &_handler;
		std::string const _label;
		Role const      _role;

		std::unique_ptr<Gui_connection> _gui;
		Attached_dataspace _gui_commands;
		Input::Client      _gui_input;
		Attached_dataspace _gui_events;

		Attached_dataspace   _commands;   /* the client's command buffer, wm's memory */
		Input::Queue_session _input;      /* the client's events, after wm looked at them */

		Signal_handler<Proxy_session> _input_handler { _env.ep(), *this, &Proxy_session::_handle_input };
		Signal_handler<Proxy_session> _info_handler  { _env.ep(), *this, &Proxy_session::_handle_info };

		Signal_context_capability _client_info_sigh { };
		bool                      _focused = false;

		Signal_context_capability _mode_sigh { };
		std::optional<Area>       _mode { };      /* the window's size, if wm set one */
		bool                      _closed = false;
		bool                      _warned = false;

		std::set<uint32_t> _top_level { };

		void _warn_once(std::string_view what)
		{
			if (_warned) return;
			_warned = true;
			warning("\"", _label, "\": ", what);
		}

		void _handle_input()
		{
			for (;;) {
				auto const flushed = _gui_input.flush();
				if (!flushed || *flushed == 0) return;
				uint32_t const n = std::min<uint32_t>(*flushed, Input::MAX_EVENTS);
				auto const *events = _gui_events.local_addr<Input::Event const>();
				for (uint32_t i = 0; i < n; i++)
					_handler.event(*this, events[i]);
			}
		}

		/* The gui server's info changed: the focus (for Main), and the client may want to know */
		void _handle_info()
		{
			bool focused = false;
			if (auto ds = _gui->info()) {
				Attached_dataspace info(std::move(*ds));
				if (info.valid()) {
					std::string_view const text(info.local_addr<char const>(), ::strnlen(info.local_addr<char const>(), info.size()));
					focused = text.find("focused=\"yes\"") != std::string_view::npos;
				}
			}
			bool const gained = focused && !_focused;
			_focused = focused;
			if (gained) _handler.focused(*this);

			if (_client_info_sigh.valid()) Signal_transmitter::submit(_client_info_sigh);
		}

		bool _top(Gui::View_id v) const { return _top_level.count(v.value) != 0; }

		/* The command as the gui server gets it, or nothing to drop it */
		std::optional<Gui::Command> _translated(Gui::Command c)
		{
			c.title[sizeof(c.title) - 1] = 0;

			if (!_top(c.view)) return c;

			switch (c.op) {
			case Gui::Command::GEOMETRY:
				c.rect = _handler.top_level_geometry(*this, c.view, c.rect);
				return c;
			case Gui::Command::TITLE:
				_handler.top_level_title(*this, c.view, c.title);
				return c;
			case Gui::Command::TO_FRONT:
			case Gui::Command::TO_BACK:
				/* the stacking of windows is wm's */
				return std::nullopt;
			default:
				return c;
			}
		}

	public:

		struct Resources
		{
			Attached_dataspace commands;   /* sizeof(Gui::Command_buffer) at least */
			Attached_dataspace events;     /* Input::EVENT_BUFFER_SIZE at least */
		};

		Proxy_session(Env &env, Window_handler &handler, std::string_view label, Role role,
		              std::unique_ptr<Gui_connection> &&gui, Capability<Input::Session> &&gui_input,
		              Dataspace_capability &&gui_commands, Resources &&resources)
		:
			_env(env), _handler(handler), _label(label), _role(role), _gui(std::move(gui)),
			_gui_commands(std::move(gui_commands)),
			_gui_input(std::move(gui_input)),
			_gui_events([&] { auto d = _gui_input.dataspace(); return d ? std::move(*d) : Dataspace_capability(); }()),
			_commands(std::move(resources.commands)),
			_input(std::move(resources.events), Input::Event_queue({ .capacity = 512, .merge_motion = true }))
		{
			/* told before its first buffer, the client never shows a window of another size */
			_mode = _handler.initial_size(label);
			(void)_gui_input.sigh(_input_handler.cap());
			(void)_gui->info_sigh(_info_handler.cap());
		}

		Proxy_session(Proxy_session const &) = delete;

		bool valid() const
		{
			return _gui_commands.valid() && _gui_commands.size() >= sizeof(Gui::Command_buffer)
			    && _gui_events.valid() && _gui_events.size() >= Input::EVENT_BUFFER_SIZE;
		}

		std::string_view label() const { return _label; }
		Role             role()  const { return _role; }

		void upgrade(std::string_view args)
		{
			if (auto up = _gui->upgrade(args); !up)
				warning("\"", _label, "\": upgrade at the gui server failed: ", error_name(up.error()));
		}

		/* Pass an event on to the client */
		void submit(Input::Event const &e) { _input.submit(e); }

		/* Run commands at the gui server now, in this order */
		void execute_at_gui(std::initializer_list<Gui::Command> commands)
		{
			auto &buffer = *_gui_commands.local_addr<Gui::Command_buffer>();
			buffer.count = 0;
			for (Gui::Command const &c : commands)
				if (buffer.count < Gui::Command_buffer::MAX_COMMANDS)
					buffer.commands[buffer.count++] = c;
			(void)_gui->execute();
		}

		/* The size wm gives the client's window (a new mode); 0x0 asks it to close */
		void mode(Area area)
		{
			if (_mode && _mode->w == area.w && _mode->h == area.h) return;
			_mode = area;
			if (_mode_sigh.valid()) Signal_transmitter::submit(_mode_sigh);
		}

		void close_request()
		{
			_closed = true;
			mode({ 0, 0 });
		}

		bool closed() const { return _closed; }

		/* Gui::Session */

		Result<Capability<Framebuffer::Session>> framebuffer() override { return _gui->framebuffer(); }

		Result<Capability<Input::Session>> input() override
		{
			if (_input.num_channels() >= MAX_CHANNELS) {
				_warn_once("too many input capabilities requested");
				return failure(Error::OUT_OF_CAPS);
			}
			auto fd = _env.ep().mint(_input);
			if (!fd) return failure(fd.error());
			return Capability<Input::Session>(std::move(*fd));
		}

		Result<void> buffer(Framebuffer::Mode m) override { return _gui->buffer(m); }

		Framebuffer::Mode mode() override
		{
			if (_mode) return { .area = *_mode, .alpha = false };
			auto const m = _gui->mode();
			return m ? *m : Framebuffer::Mode { { 0, 0 }, false };
		}

		void mode_sigh(Signal_context_capability s) override { _mode_sigh = std::move(s); }

		Result<Gui::View_id> create_view(Gui::View_id parent) override
		{
			if (parent.value == 0 && _top_level.size() >= MAX_TOP_LEVEL) {
				_warn_once("too many top-level views");
				return failure(Error::OUT_OF_RAM);
			}
			auto v = _gui->create_view(parent);
			if (v && parent.value == 0) _top_level.insert(v->value);
			return v;
		}

		void destroy_view(Gui::View_id v) override
		{
			if (_top(v)) {
				_top_level.erase(v.value);
				_handler.top_level_destroyed(*this, v);
			}
			(void)_gui->destroy_view(v);
		}

		Result<Dataspace_capability> command_dataspace() override { return _commands.cap().copy(); }

		Result<void> execute() override
		{
			/* copied out first: the client may change the buffer while we look */
			Gui::Command_buffer const &shared = *_commands.local_addr<Gui::Command_buffer const>();
			uint32_t const count = std::min<uint32_t>(shared.count, Gui::Command_buffer::MAX_COMMANDS);
			std::vector<Gui::Command> commands(shared.commands, shared.commands + count);

			/* translated first: Main may run commands of its own at the gui server meanwhile */
			std::vector<Gui::Command> translated;
			for (Gui::Command const &c : commands)
				if (auto t = _translated(c))
					translated.push_back(*t);

			auto &out = *_gui_commands.local_addr<Gui::Command_buffer>();
			out.count = 0;
			for (Gui::Command const &c : translated)
				out.commands[out.count++] = c;

			return _gui->execute();
		}

		Result<Dataspace_capability> info() override { return _gui->info(); }

		/* wm reads the info itself (the focus) and passes each change on */
		void info_sigh(Signal_context_capability s) override { _client_info_sigh = std::move(s); }
};
