/*
 * Screen capture: the frames that feed the viewers
 *
 * The Framebuffer client reports damage; the damaged tiles are collected
 * for a millisecond and then taken as one frame (see frame.h), so that a
 * frame refreshed in pieces costs one update. Each new frame is searched
 * for content that moved (copy_detect.h) if a viewer could use a CopyRect,
 * and the viewers are told what changed.
 */
#pragma once

#include <optional>

#include <nestbox/base/signal.h>
#include <nestbox/timer.h>
#include <nestbox/fb_driver/screen.h>

#include "copy_detect.h"
#include "frame.h"

namespace Vnc {

	/* Who hears of new frames (implemented by Main, for its viewers) */
	struct Frame_listener
	{
		virtual ~Frame_listener() = default;

		/* Whether a viewer could use content moved since frame 'from_serial' */
		virtual bool wants_copy(uint64_t from_serial) = 0;

		/* The frame changed in 'tiles'; 'copy' says which of them moved, if known */
		virtual void frame_changed(Tile_set const &tiles, Copy_plan const *copy) = 0;
	};

	class Screen_capture
	{
		private:

			nestbox::Entrypoint            &_ep;
			nestbox::Timer::Connection     &_timer;
			Fb_driver::Screen const        &_screen;
			Frame_listener                 &_listener;

			Frame_history _frames { };
			Tile_set      _damage { };
			bool          _scheduled = false;

			/* copy detection: see '_detect_copy' */
			unsigned              _copy_misses = 0, _copy_skip = 0;
			std::optional<Offset> _copy_hint { };   /* the last offset found, tried first */

			nestbox::Signal_handler<Screen_capture> _handler { _ep, *this, &Screen_capture::_capture };

			void _capture();
			std::optional<Copy_plan> _detect_copy(Frame const &previous, Tile_set const &changed);

		public:

			/* 'timer' is the capture's own: its signals go to the capture */
			Screen_capture(nestbox::Entrypoint &, nestbox::Timer::Connection &timer,
			               Fb_driver::Screen const &, Frame_listener &);

			Screen_capture(Screen_capture const &) = delete;

			Frame_history &frames() { return _frames; }

			/* Start over with a black screen of 'area' (a new mode) */
			void reset(nestbox::Area area);

			/* The client changed 'rect' of the screen: a frame follows shortly */
			void damage(nestbox::Rect rect);
	};
}
