/*
 * Font and text layout: FreeType renders from memory, deterministically
 *
 * Uses the DejaVu font of fonts-dejavu-core (scripts/install-deps); the
 * test is skipped where it is missing, and fails under CI (tests/ci_skip.h).
 */

#include <fstream>
#include <iterator>
#include <vector>

#include <gtest/gtest.h>
#include "ci_skip.h"

#include "text/layout.h"

using namespace Text;

namespace {

	char const *const FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

	std::vector<std::byte> font_file()
	{
		std::ifstream in(FONT, std::ios::binary);
		std::vector<char> bytes { std::istreambuf_iterator<char>(in), { } };
		std::vector<std::byte> out(bytes.size());
		std::memcpy(out.data(), bytes.data(), bytes.size());
		return out;
	}

	std::vector<Pixel> render(std::vector<std::byte> const &data, std::u32string const &text,
	                          Area area = { 200, 60 })
	{
		std::vector<Pixel> pixels(size_t(area.w) * area.h);
		Canvas canvas { pixels.data(), area };
		canvas.clear({ 255, 255, 255 });

		auto font = Font::create(data, 20);
		EXPECT_TRUE(font.ok());
		if (font) Layout(**font, area).draw(canvas, text, { 0, 0, 0 });
		return pixels;
	}
}


TEST(Font, rejects_what_is_no_font)
{
	std::vector<std::byte> junk(1000, std::byte { 7 });
	EXPECT_FALSE(Font::create(junk, 20).ok());
}


TEST(Font, renders_antialiased_and_repeatably)
{
	auto const data = font_file();
	if (data.empty()) NESTBOX_SKIP_MISSING(FONT << " missing", "fonts-dejavu-core");

	auto const hello = render(data, U"Hello");
	EXPECT_EQ(hello, render(data, U"Hello"));
	EXPECT_NE(hello, render(data, U"Hellp"));

	/* grayscale antialiasing: gray pixels besides black and white */
	size_t gray = 0;
	for (Pixel p : hello)
		if (p != 0xffffffu && p != 0) gray++;
	EXPECT_GT(gray, 10u);
}


TEST(Font, long_text_wraps)
{
	auto const data = font_file();
	if (data.empty()) NESTBOX_SKIP_MISSING(FONT << " missing", "fonts-dejavu-core");

	/* one line of text far wider than the window covers many lines of pixels */
	std::u32string text;
	for (int i = 0; i < 20; i++) text += U"word ";

	Area const area { 200, 200 };
	auto const pixels = render(data, text, area);

	unsigned lowest = 0;
	for (unsigned y = 0; y < area.h; y++)
		for (unsigned x = 0; x < area.w; x++)
			if (pixels[y * area.w + x] != 0xffffffu) lowest = y;
	EXPECT_GT(lowest, 100u);
}


TEST(Font, text_beyond_the_window_scrolls)
{
	auto const data = font_file();
	if (data.empty()) NESTBOX_SKIP_MISSING(FONT << " missing", "fonts-dejavu-core");

	/* 60 pixels hold one line: what shows is the last one, with the cursor */
	EXPECT_EQ(render(data, U"first\nsecond\nend"), render(data, U"end"));
	EXPECT_NE(render(data, U"end"), render(data, U"end!"));

	/* even an empty text shows its cursor */
	EXPECT_NE(render(data, U""), std::vector<Pixel>(200 * 60, 0xffffffu));
}


TEST(Font, text_wraps_at_word_boundaries)
{
	auto const data = font_file();
	if (data.empty()) NESTBOX_SKIP_MISSING(FONT << " missing", "fonts-dejavu-core");

	auto font = Font::create(data, 20);
	ASSERT_TRUE(font.ok());

	/* no line ends inside a word: each ends at a space or the text's end, and starts a word */
	std::u32string const text = U"wrapping happens between words, never inside them";
	Layout const layout(**font, { 200, 200 });
	auto const lines = layout.lines(text);
	ASSERT_GT(lines.size(), 2u);
	for (auto const &line : lines) {
		EXPECT_TRUE(line.to == text.size() || text[line.to] == U' ')
			<< "a line ends inside a word, before \"" << char(text[line.to]) << "\"";
		EXPECT_NE(text[line.from], U' ');
	}

	/* the same pixels as the text with a newline in place of each space it broke at */
	std::u32string broken = text;
	for (size_t l = 0; l + 1 < lines.size(); l++) broken[lines[l].to] = U'\n';
	EXPECT_EQ(render(data, text, { 200, 200 }), render(data, broken, { 200, 200 }));

	/* a word longer than a line still breaks where it reaches the margin */
	std::u32string const long_word = U"ab supercalifragilisticexpialidocious";
	auto const long_lines = layout.lines(long_word);
	ASSERT_GE(long_lines.size(), 3u);
	EXPECT_EQ(long_lines[0].to, 2u);
	EXPECT_EQ(long_lines[1].from, 3u);
	EXPECT_GT(long_lines[1].to, long_lines[1].from + 5);
}
