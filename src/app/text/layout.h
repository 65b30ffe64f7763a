/*
 * Layout: typed text as lines of glyphs in a window
 *
 * Lines break at newlines and, where the next character would cross the
 * right margin, at the last space before it (the space itself is not
 * drawn); a word longer than a line breaks where it reaches the margin.
 * When the text needs more lines than fit, the last ones are shown, as a
 * terminal would, so that what is typed stays visible.
 */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <app/font.h>

namespace Text {

	using namespace App;

	class Layout;
}


class Text::Layout
{
	private:

		enum { MARGIN = 8, CURSOR_WIDTH = 2 };

	public:

		struct Line { size_t from, to; };   /* indices into the text */

	private:

		Font &_font;
		Area  _area;

		int _width(std::u32string const &text, size_t from, size_t to) const
		{
			int w = 0;
			for (size_t i = from; i < to; i++) w += _font.glyph(text[i]).advance;
			return w;
		}

	public:

		/* The lines 'text' breaks into: indices into it, the characters of each line */
		std::vector<Line> lines(std::u32string const &text) const
		{
			std::vector<Line> lines { { 0, 0 } };
			int x = MARGIN;
			std::optional<size_t> space { };   /* the last space of the current line */

			auto const next_line = [&] (size_t from) {
				lines.push_back({ from, from });
				space.reset();
			};

			for (size_t i = 0; i < text.size(); i++) {
				if (text[i] == U'\n') {
					lines.back().to = i;
					next_line(i + 1);
					x = MARGIN;
					continue;
				}
				int const advance = _font.glyph(text[i]).advance;
				if (x + advance > int(_area.w) - MARGIN && lines.back().to > lines.back().from) {
					if (text[i] == U' ') {
						/* a space at the margin ends the line and is not drawn */
						next_line(i + 1);
						x = MARGIN;
						continue;
					}
					if (space) {
						/* the word started after the last space goes to the next line */
						size_t const word = *space + 1;
						lines.back().to = *space;
						next_line(word);
						lines.back().to = i;
						x = MARGIN + _width(text, word, i);
					} else {
						next_line(i);
						x = MARGIN;
					}
				}
				x += advance;
				lines.back().to = i + 1;
				if (text[i] == U' ') space = i;
			}
			return lines;
		}

		Layout(Font &font, Area area) : _font(font), _area(area) { }

		/* Draw 'text' followed by a cursor */
		void draw(Canvas &canvas, std::u32string const &text, Color color)
		{
			std::vector<Line> const lines = this->lines(text);

			int const height  = std::max(_font.line_height(), 1);
			size_t const fit  = size_t(std::max((int(_area.h) - 2 * MARGIN) / height, 1));
			size_t const from = lines.size() > fit ? lines.size() - fit : 0;

			int y = MARGIN + _font.ascent();
			int x = MARGIN;
			for (size_t l = from; l < lines.size(); l++, y += height) {
				x = MARGIN;
				for (size_t i = lines[l].from; i < lines[l].to; i++)
					x += _font.draw(canvas, { x, y }, text[i], color);
			}

			/* the cursor stands after the last character, on the last line */
			int const top = y - height - _font.ascent();
			canvas.fill({ { x, top }, { CURSOR_WIDTH, unsigned(height) } }, color);
		}
};
