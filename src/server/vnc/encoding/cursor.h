/*
 * The pointer shape sent to viewers that draw the pointer themselves
 *
 * A Framebuffer has no notion of a pointer (the gui server draws its own
 * into the pixels), but a viewer that draws a local pointer shows the
 * user's movements without a round trip. The shape is a plain arrow.
 */
#pragma once

#include <cstdint>
#include <vector>

namespace Vnc {

	struct Cursor_image
	{
		uint32_t width, height, hot_x, hot_y;
		std::vector<uint32_t> argb;
	};

	inline Cursor_image const &arrow_cursor()
	{
		static char const *const shape[] = {
			"X           ",
			"XX          ",
			"X.X         ",
			"X..X        ",
			"X...X       ",
			"X....X      ",
			"X.....X     ",
			"X......X    ",
			"X.......X   ",
			"X........X  ",
			"X.........X ",
			"X......XXXXX",
			"X...X..X    ",
			"X..XX..X    ",
			"X.X  X..X   ",
			"XX   X..X   ",
			"X     X..X  ",
			"      X..X  ",
			"       XX   ",
		};
		static Cursor_image const image = [] {
			Cursor_image c { 12, 19, 0, 0, { } };
			for (char const *row : shape)
				for (uint32_t x = 0; x < c.width; x++)
					c.argb.push_back(row[x] == 'X' ? 0xff000000u : row[x] == '.' ? 0xffffffffu : 0u);
			return c;
		}();
		return image;
	}
}
