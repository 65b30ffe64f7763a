/*
 * The virtual display: one XRGB8888 buffer of the current mode
 *
 * The buffer is the driver's memory, allocated from its own PD: the screen
 * exists whether or not a client draws into it, and a mode change replaces
 * it. A client that still maps the old buffer keeps its mapping until it
 * fetches the new one after the mode signal.
 */
#pragma once

#include <algorithm>
#include <optional>

#include <pugixml.hpp>

#include <nestbox/base/dataspace.h>
#include <nestbox/log.h>
#include <nestbox/session/framebuffer.h>
#include <nestbox/session/pd.h>

namespace Fb_driver {

	using namespace nestbox;

	class Screen;
}


class Fb_driver::Screen
{
	private:

		Pd::Client        &_pd;
		Framebuffer::Mode  _mode { { 0, 0 }, false };
		Attached_dataspace _pixels { };

	public:

		/* bounds of a mode: a sane display, and an int32 coordinate space for clipping */
		enum : uint32_t { MAX_SIDE = 8192 };

		explicit Screen(Pd::Client &pd) : _pd(pd) { }

		~Screen() { if (_pixels.valid()) (void)_pd.free(_pixels.cap().copy()); }

		Screen(Screen const &) = delete;

		Framebuffer::Mode mode() const { return _mode; }

		/* Replace the buffer by a black one of 'area'; the old one stays if that fails */
		Result<void> set_mode(Area area)
		{
			Framebuffer::Mode const mode { area, false };

			auto ds = _pd.alloc(mode.bytes());
			if (!ds) return failure(ds.error());

			Attached_dataspace pixels(ds->copy());
			if (!pixels.valid()) {
				(void)_pd.free(std::move(*ds));
				return failure(Error::OUT_OF_RAM);
			}

			if (_pixels.valid()) (void)_pd.free(_pixels.cap().copy());
			_pixels = std::move(pixels);
			_mode   = mode;
			return { };
		}

		Result<Dataspace_capability> dataspace() const
		{
			if (!_pixels.valid()) return failure(Error::UNAVAILABLE);
			return _pixels.cap().copy();
		}

		Framebuffer::Pixel const *pixels() const { return _pixels.local_addr<Framebuffer::Pixel>(); }

		/* The part of 'rect' (a client's: anything in int32/uint32) on the screen, empty if none */
		Rect clipped(Rect rect) const { return intersect(rect, Rect { { 0, 0 }, _mode.area }); }
};


namespace Fb_driver {

	/*
	 * The mode a driver's <config width height> asks for, or nullopt when it
	 * asks for the mode the screen has. Out-of-range sides are refused with a
	 * warning: the current mode stays, or, before there is one, the default.
	 */
	inline std::optional<Area> requested_mode(pugi::xml_node config, Area current)
	{
		enum : uint32_t { DEFAULT_WIDTH = 640, DEFAULT_HEIGHT = 480 };

		auto side = [&] (char const *name, uint32_t fallback) -> std::optional<uint32_t> {
			pugi::xml_attribute const a = config.attribute(name);
			if (!a) return fallback;
			long long const v = a.as_llong(-1);
			if (v < 1 || v > Screen::MAX_SIDE) return std::nullopt;
			return uint32_t(v);
		};
		auto const w = side("width",  DEFAULT_WIDTH);
		auto const h = side("height", DEFAULT_HEIGHT);
		if (!w || !h) {
			warning("width and height must be 1 … ", unsigned(Screen::MAX_SIDE), ", mode unchanged");
			if (current.w) return std::nullopt;
		}
		Area const area { w ? *w : DEFAULT_WIDTH, h ? *h : DEFAULT_HEIGHT };
		if (area.w == current.w && area.h == current.h) return std::nullopt;
		return area;
	}
}
