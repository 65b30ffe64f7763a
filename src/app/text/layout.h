/*
 * Layout: typed text as lines of glyphs in a window
 *
 * Lines break at newlines and where the next character would cross the
 * right margin. When the text needs more lines than fit, the last ones are
 * shown, as a terminal would, so that what is typed stays visible.
 */
#pragma once

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

		struct Line { size_t from, to; };   /* indices into the text */

		Font &_font;
		Area  _area;

		std::vector<Line> _lines(std::u32string const &text) const
		{
			std::vector<Line> lines { { 0, 0 } };
			int x = MARGIN;

			for (size_t i = 0; i < text.size(); i++) {
				if (text[i] == U'\n') {
					lines.back().to = i;
					lines.push_back({ i + 1, i + 1 });
					x = MARGIN;
					continue;
				}
				int const advance = _font.glyph(text[i]).advance;
				if (x + advance > int(_area.w) - MARGIN && lines.back().to > lines.back().from) {
					lines.push_back({ i, i });
					x = MARGIN;
				}
				x += advance;
				lines.back().to = i + 1;
			}
			return lines;
		}

	public:

		Layout(Font &font, Area area) : _font(font), _area(area) { }

		/* Draw 'text' followed by a cursor */
		void draw(Canvas &canvas, std::u32string const &text, Color color)
		{
			std::vector<Line> const lines = _lines(text);

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
