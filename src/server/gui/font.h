/*
 * The server's own 5x7 font, for session labels
 *
 * Labels are the trusted path: they must look the same on every machine
 * and need no font file a sealed component could not open anyway. Only
 * printable ASCII has glyphs; every other byte shows as a box.
 */
#pragma once

#include <cstdint>
#include <string_view>

namespace Gui_server::Font {

	enum : unsigned { WIDTH = 5, HEIGHT = 7, ADVANCE = WIDTH + 1 };

	/* Row 'y' (0 = top) of the glyph of 'c': bit 4 is the leftmost pixel */
	uint8_t row(char c, unsigned y);

	inline unsigned text_width(std::string_view text)
	{
		return text.empty() ? 0 : unsigned(text.size()) * ADVANCE - 1;
	}
}
