/*
 * Font: glyphs rendered by FreeType from a font file in memory
 *
 * The text app is sealed and has no file system, so the font arrives as a
 * ROM module and FreeType reads it from there (FT_New_Memory_Face). Glyphs
 * are rendered with grayscale antialiasing once and kept; 'draw' composes
 * their coverage onto a canvas.
 */
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include <nestbox/util/result.h>

#include <app/canvas.h>

namespace App { class Font; }


class App::Font
{
	public:

		struct Glyph
		{
			int      left, top;   /* bitmap position relative to the pen on the baseline */
			unsigned width, rows;
			int      advance;     /* pixels to the next pen position */
			std::vector<uint8_t> coverage;
		};

	private:

		struct Freetype;   /* FT_Library and FT_Face, kept out of this header */

		std::unique_ptr<Freetype>  _ft;
		std::map<char32_t, Glyph>  _glyphs { };

		int _ascent = 0, _line_height = 0;

		explicit Font(std::unique_ptr<Freetype> &&);

	public:

		/* 'data' must stay valid as long as the font lives (FreeType does not copy it) */
		static nestbox::Result<std::unique_ptr<Font>> create(std::span<std::byte const> data,
		                                                     unsigned pixel_size);
		~Font();

		Font(Font const &) = delete;

		int ascent()      const { return _ascent; }
		int line_height() const { return _line_height; }

		/* The glyph of 'c' (the font's missing-glyph box if it has none) */
		Glyph const &glyph(char32_t c);

		/* Draw 'c' with the pen at 'pen' (on the baseline); returns the advance */
		int draw(Canvas &, Point pen, char32_t c, Color);
};
