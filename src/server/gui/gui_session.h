/*
 * Gui session: one client's views, buffer, events and screen information
 *
 * Everything the client passes is checked here: view ids are looked up in
 * the session's own table (so a client can only ever name its own views),
 * rectangles are clamped, commands are copied out of the shared buffer
 * before they are looked at, and every allocation is charged to the
 * session's RAM quota. A bad command is skipped and reported as an error
 * of 'execute'; it never affects anybody else.
 */
#pragma once

#include <map>
#include <memory>
#include <string>

#include <nestbox/session/gui.h>
#include <nestbox/session/pd.h>
#include <nestbox/util/rate_limited_warning.h>

#include "buffer_session.h"
#include "event_queue.h"
#include "focus.h"
#include "view_stack.h"

namespace Gui_server {

	struct Session_action;
	class  Gui_session;
}


/*
 * What a session tells the server above it (Main). A session knows neither
 * the input routing nor the redraw: Main decides what a change means for
 * them, so the session depends on nothing above itself.
 */
struct Gui_server::Session_action
{
	virtual ~Session_action() = default;

	/* Views appeared, vanished, moved or restacked: redraw, the pointer may hover another */
	virtual void views_changed() = 0;

	/* Parts of the screen became dirty */
	virtual void pixels_changed() = 0;

	virtual void sync_wanted_changed() = 0;
};


class Gui_server::Gui_session : public Rpc_object<Gui::Session>,
                                public View_owner,
                                private Refresh_handler
{
	public:

		/* what a session costs besides its buffer: its dataspaces and bookkeeping */
		enum : uint64_t { SESSION_COST = 24*1024, VIEW_COST = 256 };

		/* each dataspace costs the server a capability: input, commands, info, buffer */
		enum : uint64_t { SESSION_CAPS = 4 };

		enum : size_t { MAX_VIEWS = 1024, MAX_DEPTH = 8, MAX_CHANNELS = 8 };

		struct Resources
		{
			Pd::Client   &pd;
			Entrypoint   &ep;
			View_stack   &stack;
			Focus  const &focus;
			Session_action &action;
		};

	private:

		Resources           _r;
		std::string const   _label;
		Domain const       *_domain;
		uint64_t            _ram_quota;
		uint64_t            _ram_used = SESSION_COST;

		Buffer_session      _buffer  { *this, _label };
		Event_queue_session _input;
		Attached_dataspace  _commands;
		Attached_dataspace  _info { };
		bool                _info_outdated = true;

		Signal_context_capability _mode_sigh { };
		Signal_context_capability _info_sigh { };

		std::map<uint32_t, std::unique_ptr<View>> _views { };
		uint32_t _next_view_id = 1;
		Rate_limited_warning _misuse_warning { };   /* a looping client must not flood the log */

		View *_lookup(Gui::View_id id);
		void  _destroy_view_and_descendants(View &);
		bool  _apply(Gui::Command const &);
		void  _free(Attached_dataspace &);
		Result<Attached_dataspace> _alloc_buffer(Framebuffer::Mode);
		void  _warn_misuse(std::string_view what);

		/* Refresh_handler */
		void buffer_refreshed(Rect) override;
		void sync_wanted_changed() override { _r.action.sync_wanted_changed(); }

	public:

		/* 'input' and 'commands' were allocated from the PD for this session */
		Gui_session(Resources const &, std::string_view label, Domain const *,
		            uint64_t ram_quota, Attached_dataspace &&input, Attached_dataspace &&commands);

		~Gui_session();

		Gui_session(Gui_session const &) = delete;

		static uint64_t page_rounded(uint64_t bytes) { return (bytes + 4095) & ~uint64_t(4095); }

		/* A new config assigned another domain (or none) */
		void domain(Domain const *);

		void upgrade(uint64_t ram) { _ram_quota += ram; }

		/* The screen size or the focus changed: the info and mode the client sees */
		void screen_changed();
		void focus_changed();

		bool wants_sync() const { return _buffer.wants_sync(); }
		void sync() { _buffer.sync(); }


		/* View_owner */
		std::string_view label()  const override { return _label; }
		std::string client_name() const override { return _label; }
		Domain const    *domain() const override { return _domain; }
		Texture          texture() const override { return _buffer.texture(); }
		void submit(Input::Event const &e) override { _input.submit(e); }

		/* Gui::Session */
		Result<Capability<Framebuffer::Session>> framebuffer() override;
		Result<Capability<Input::Session>>       input() override;
		Result<void>                 buffer(Framebuffer::Mode) override;
		Framebuffer::Mode            mode() override;
		void                         mode_sigh(Signal_context_capability s) override { _mode_sigh = std::move(s); }
		Result<Gui::View_id>         create_view(Gui::View_id parent) override;
		void                         destroy_view(Gui::View_id) override;
		Result<Dataspace_capability> command_dataspace() override { return _commands.cap().copy(); }
		Result<void>                 execute() override;
		Result<Dataspace_capability> info() override;
		void                         info_sigh(Signal_context_capability) override;
};
