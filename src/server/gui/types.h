/*
 * Basic types of the gui server: the bounds of client geometry, and colors
 *
 * Client-supplied geometry is sanitised once, where it enters (see
 * 'sanitized'), so that every later computation stays well inside int32.
 * The rectangle arithmetic itself is libnestbox's (nestbox/util/geometry.h).
 */
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>

#include <nestbox/session/framebuffer.h>
#include <nestbox/util/geometry.h>

namespace Gui_server {

	using namespace nestbox;

	using Pixel = Framebuffer::Pixel;

	/* bounds for anything a client may place or size */
	enum : int32_t { MAX_COORD = 1 << 24, MAX_SIDE = 1 << 14 };

	inline int32_t clamped(int64_t v, int64_t lo, int64_t hi) { return int32_t(std::clamp(v, lo, hi)); }

	inline Point sanitized(Point p)
	{
		return { clamped(p.x, -MAX_COORD, MAX_COORD), clamped(p.y, -MAX_COORD, MAX_COORD) };
	}

	/* A client's rectangle, clamped to what the server is willing to compute with */
	inline Rect sanitized(Rect r)
	{
		return Rect { sanitized(r.at), { std::min<uint32_t>(r.area.w, MAX_SIDE),
		                                 std::min<uint32_t>(r.area.h, MAX_SIDE) } };
	}

	struct Color
	{
		uint8_t r = 0, g = 0, b = 0;

		Pixel pixel() const { return (Pixel(r) << 16) | (Pixel(g) << 8) | b; }

		static Color from_pixel(Pixel p) { return { uint8_t(p >> 16), uint8_t(p >> 8), uint8_t(p) }; }

		/* "#rrggbb", or nothing if malformed */
		static std::optional<Color> parse(std::string_view s)
		{
			if (s.size() != 7 || s[0] != '#') return std::nullopt;
			Pixel v = 0;
			for (char c : s.substr(1)) {
				int d = (c >= '0' && c <= '9') ? c - '0'
				      : (c >= 'a' && c <= 'f') ? c - 'a' + 10
				      : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
				if (d < 0) return std::nullopt;
				v = (v << 4) | Pixel(d);
			}
			return from_pixel(v);
		}
	};

	/* The average of two pixels per channel: how tinted content is mixed */
	inline Pixel average(Pixel a, Pixel b) { return (((a ^ b) & 0xfefefe) >> 1) + (a & b & 0xffffff); }
}
