/*
 * A color as the apps' configs name it: "#rrggbb"
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <nestbox/session/framebuffer.h>

namespace App {

struct Color
{
	uint8_t r, g, b;

	/* XRGB8888, blue in the lowest byte (see framebuffer.h) */
	nestbox::Framebuffer::Pixel pixel() const { return (uint32_t(r) << 16) | (uint32_t(g) << 8) | b; }

	static Color from_pixel(nestbox::Framebuffer::Pixel p)
	{
		return { uint8_t(p >> 16), uint8_t(p >> 8), uint8_t(p) };
	}

	/* "#rrggbb", or nothing if 's' is no such color */
	static std::optional<Color> parse(std::string_view s)
	{
		if (s.size() != 7 || s[0] != '#') return std::nullopt;

		auto digit = [] (char c) -> int {
			if (c >= '0' && c <= '9') return c - '0';
			if (c >= 'a' && c <= 'f') return c - 'a' + 10;
			if (c >= 'A' && c <= 'F') return c - 'A' + 10;
			return -1;
		};

		uint32_t value = 0;
		for (char c : s.substr(1)) {
			int const d = digit(c);
			if (d < 0) return std::nullopt;
			value = (value << 4) | uint32_t(d);
		}
		return from_pixel(value);
	}

	bool operator == (Color const &) const = default;
};

} /* namespace App */
