/*
 * Framebuffer service: every session shows the one screen
 *
 * A display has one buffer, so all sessions share it. Typically there is
 * one client; a second session (a restarted GUI server, say) simply draws
 * into the same pixels, and the first one ends when its client closes it.
 */
#pragma once

#include <nestbox/base/signal.h>
#include <nestbox/env.h>
#include <nestbox/log.h>
#include <nestbox/root_component.h>
#include <nestbox/util/arg_string.h>

#include <nestbox/fb_driver/screen.h>

namespace Fb_driver {

	struct Sync_control;
	class  Framebuffer_session;
	class  Framebuffer_root;
}


/* Told whenever the set of sessions that want sync signals may have changed */
struct Fb_driver::Sync_control
{
	virtual ~Sync_control() = default;
	virtual void sync_sighs_changed() = 0;

	/* 'rect' (clipped, not empty) changed: a driver that shows pixels shows it */
	virtual void damage(Rect) { }
};


class Fb_driver::Framebuffer_session : public Rpc_object<Framebuffer::Session>
{
	private:

		Screen       &_screen;
		Sync_control &_sync;
		bool const   &_verbose;

		Signal_context_capability _mode_sigh { };
		Signal_context_capability _sync_sigh { };

		std::string const _label;   /* names the client in the entrypoint's warnings */

	public:

		Framebuffer_session(Screen &screen, Sync_control &sync, bool const &verbose, std::string label = { })
		: _screen(screen), _sync(sync), _verbose(verbose), _label(std::move(label)) { }

		std::string client_name() const override { return _label; }

		bool wants_sync() const { return _sync_sigh.valid(); }

		void drop_sync_sigh() { _sync_sigh = { }; }

		void notify_sync() { if (_sync_sigh.valid()) Signal_transmitter::submit(_sync_sigh); }
		void notify_mode() { if (_mode_sigh.valid()) Signal_transmitter::submit(_mode_sigh); }

		Framebuffer::Mode mode() override { return _screen.mode(); }

		void mode_sigh(Signal_context_capability sigh) override { _mode_sigh = std::move(sigh); }

		Result<Dataspace_capability> dataspace() override { return _screen.dataspace(); }

		/*
		 * The rect is clipped (a client's rect is not to be trusted), logged on
		 * request so that a test can see which damage a client reports, and
		 * handed to the driver, which shows it if it has anything to show on
		 */
		void refresh(Rect rect) override
		{
			Rect const r = _screen.clipped(rect);
			if (r.empty()) return;
			if (_verbose) log("refresh ", r.at.x, ",", r.at.y, " ", r.area.w, "x", r.area.h);
			_sync.damage(r);
		}

		/* an invalid capability unregisters: sync signals stop */
		void sync_sigh(Signal_context_capability sigh) override
		{
			_sync_sigh = std::move(sigh);
			_sync.sync_sighs_changed();
		}
};


class Fb_driver::Framebuffer_root : public Root_component<Framebuffer_session>
{
	private:

		Screen       &_screen;
		Sync_control &_sync;
		bool const   &_verbose;

		Result<std::unique_ptr<Framebuffer_session>> _create_session(std::string_view args) override
		{
			return std::make_unique<Framebuffer_session>(_screen, _sync, _verbose,
			                                             Arg_string::string(args, "label"));
		}

		void _destroy_session(Framebuffer_session &session) override
		{
			session.drop_sync_sigh();
			_sync.sync_sighs_changed();
		}

	public:

		Framebuffer_root(Entrypoint &ep, Screen &screen, Sync_control &sync, bool const &verbose)
		: Root_component(ep), _screen(screen), _sync(sync), _verbose(verbose) { }

		bool any_wants_sync()
		{
			bool any = false;
			for_each_session([&] (Framebuffer_session &s) { any = any || s.wants_sync(); });
			return any;
		}

		void notify_sync() { for_each_session([] (Framebuffer_session &s) { s.notify_sync(); }); }
		void notify_mode() { for_each_session([] (Framebuffer_session &s) { s.notify_mode(); }); }
};

