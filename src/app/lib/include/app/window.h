/*
 * Window: a Gui session with one view that shows the whole buffer
 *
 * It bundles what every app does with its Gui session: size the buffer,
 * map it, place the view, read input events and tell the server what
 * changed. Drawing happens on the 'Canvas' the window hands out, which
 * knows nothing of sessions.
 */
#pragma once

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <string_view>

#include <nestbox/connection.h>
#include <nestbox/env.h>
#include <nestbox/base/dataspace.h>
#include <nestbox/session/gui.h>

#include <app/canvas.h>

namespace App {

	using namespace nestbox;

	using Gui_connection = nestbox::Connection<Gui::Client>;

	class Window;

	/* Where the window goes: configured values, or absent to follow the screen */
	struct Placement
	{
		int32_t  x = 0, y = 0;
		uint32_t w = 0, h = 0;   /* 0: as wide/high as the screen */

		Rect on(Area screen) const
		{
			return { { x, y }, { w ? w : screen.w, h ? h : screen.h } };
		}

		bool operator == (Placement const &) const = default;
	};
}


class App::Window
{
	private:

		enum { UPGRADE_RETRIES = 100 };

		Env                &_env;
		Gui_connection      _gui;
		Framebuffer::Client _fb;
		Input::Client       _input;
		Attached_dataspace  _events;
		Attached_dataspace  _commands;
		Gui::View_id        _view;

		Attached_dataspace _pixels   { };
		Rect               _geometry { };
		uint64_t           _donated  = 0;   /* RAM given to the session for the buffer */
		bool               _had_screen = false;

		void _execute(std::initializer_list<Gui::Command>);

	public:

		/*
		 * Opens the Gui session, its sub-sessions and the view; a component
		 * without them has nothing to show, so a failure ends it with a
		 * logged reason (as a Connection does)
		 */
		Window(Env &, std::string_view title);

		Window(Window const &) = delete;

		/* The screen's size, 0x0 if the server cannot say */
		Area screen();

		/*
		 * A window manager asks a window to close by a mode of 0x0 after a
		 * real one (as Genode's wm does): the app then logs "window closed"
		 * and exits. Apps call this when the mode changes.
		 */
		void exit_if_closed();

		/* Draws the whole buffer (its content is undefined after a new size) */
		using Draw = std::function<void()>;

		/*
		 * Size the buffer to 'geometry' and place the view there. 'draw'
		 * runs once the buffer is mapped and before the view shows it, so
		 * a new size never shows an undrawn buffer; without 'draw', the
		 * caller redraws all of the buffer afterwards.
		 */
		Result<void> place(Rect geometry, Draw const &draw = { });

		/* Place the window as configured, on the current screen (UNAVAILABLE: no size known) */
		Result<void> place(Placement placement, Draw const &draw = { })
		{
			Rect const geometry = placement.on(screen());
			if (geometry.empty()) return failure(Error::UNAVAILABLE);
			return place(geometry, draw);
		}

		Rect geometry() const { return _geometry; }

		/* The buffer, valid until the next 'place' */
		Canvas canvas()
		{
			return { _pixels.local_addr<Pixel>(), _pixels.valid() ? _geometry.area : Area { 0, 0 } };
		}

		/* Show what changed in the buffer */
		void refresh(Rect r) { (void)_fb.refresh(r); }
		void refresh()       { refresh({ { 0, 0 }, _geometry.area }); }

		void mode_sigh(Signal_context_capability &&cap)  { (void)_gui.mode_sigh(std::move(cap)); }
		void input_sigh(Signal_context_capability &&cap) { (void)_input.sigh(std::move(cap)); }

		/*
		 * Absolute positions in events are screen positions (as nitpicker
		 * passes them); this makes them buffer positions
		 */
		Point local(Point screen) const
		{
			return { screen.x - _geometry.at.x, screen.y - _geometry.at.y };
		}

		/* Call 'fn(Input::Event const &)' for each pending event */
		template <typename FN>
		void for_each_event(FN const &fn)
		{
			for (;;) {
				auto const count = _input.flush();
				if (!count || *count == 0) return;

				auto const *events = _events.local_addr<Input::Event const>();
				for (uint32_t i = 0; i < std::min<uint32_t>(*count, Input::MAX_EVENTS); i++)
					fn(events[i]);
			}
		}
};
