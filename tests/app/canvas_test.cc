/*
 * Canvas: clipping, lines and blending on a plain pixel array
 */

#include <vector>

#include <gtest/gtest.h>

#include <app/canvas.h>

using namespace App;

namespace {

	Color const BLACK { 0, 0, 0 }, WHITE { 255, 255, 255 }, RED { 255, 0, 0 };

	struct Pixels
	{
		Area               area;
		std::vector<Pixel> pixels = std::vector<Pixel>(size_t(area.w) * area.h, 0);
		Canvas             canvas { pixels.data(), area };

		/* How many pixels have 'c' */
		size_t count(Color c) const { return size_t(std::count(pixels.begin(), pixels.end(), c.pixel())); }
	};
}


TEST(Canvas, color_parses_only_rrggbb)
{
	EXPECT_EQ(Color::parse("#ff8000"), (Color { 255, 128, 0 }));
	EXPECT_EQ(Color::parse("#FF8000"), (Color { 255, 128, 0 }));
	EXPECT_EQ(Color::parse("#ff800"),  std::nullopt);
	EXPECT_EQ(Color::parse("ff80000"), std::nullopt);
	EXPECT_EQ(Color::parse("#ff80g0"), std::nullopt);
	EXPECT_EQ((Color { 0x12, 0x34, 0x56 }).pixel(), 0x123456u);
}


TEST(Canvas, fill_clips_to_the_canvas)
{
	Pixels p { { 10, 8 } };
	p.canvas.fill({ { -5, -5 }, { 8, 7 } }, RED);

	EXPECT_EQ(p.count(RED), 3u * 2u);
	EXPECT_EQ(p.canvas.pixel({ 2, 1 }), RED.pixel());
	EXPECT_EQ(p.canvas.pixel({ 3, 1 }), 0u);
	EXPECT_EQ(p.canvas.pixel({ 2, 2 }), 0u);

	/* entirely outside, and huge: nothing drawn, nothing written out of bounds */
	p.canvas.fill({ { 10, 0 }, { 5, 5 } }, WHITE);
	p.canvas.fill({ { -1000000, -1000000 }, { 4000000000u, 4000000000u } }, WHITE);
	EXPECT_EQ(p.count(WHITE), 80u);
}


TEST(Canvas, line_includes_both_ends)
{
	Pixels p { { 16, 16 } };
	p.canvas.line({ 1, 1 }, { 10, 4 }, RED);

	EXPECT_EQ(p.canvas.pixel({ 1, 1 }),  RED.pixel());
	EXPECT_EQ(p.canvas.pixel({ 10, 4 }), RED.pixel());
	EXPECT_EQ(p.count(RED), 10u);   /* one pixel per column of the longer axis */

	/* the same line drawn backwards covers the same pixels */
	Pixels q { { 16, 16 } };
	q.canvas.line({ 10, 4 }, { 1, 1 }, RED);
	EXPECT_EQ(q.count(RED), 10u);
}


TEST(Canvas, wide_line_and_clipped_line)
{
	Pixels p { { 20, 20 } };
	p.canvas.line({ 5, 5 }, { 5, 5 }, RED, 3);
	EXPECT_EQ(p.count(RED), 9u);
	EXPECT_EQ(p.canvas.pixel({ 4, 4 }), RED.pixel());
	EXPECT_EQ(p.canvas.pixel({ 6, 6 }), RED.pixel());

	/* a line from far outside draws only its visible part */
	Pixels q { { 20, 20 } };
	q.canvas.line({ -100, 10 }, { 100, 10 }, WHITE);
	EXPECT_EQ(q.count(WHITE), 20u);
}


TEST(Canvas, blend_rounds_to_the_ends)
{
	Pixels p { { 4, 1 } };
	p.canvas.clear(BLACK);

	p.canvas.blend({ 0, 0 }, WHITE, 255);
	p.canvas.blend({ 1, 0 }, WHITE, 0);
	p.canvas.blend({ 2, 0 }, WHITE, 128);
	p.canvas.blend({ 9, 0 }, WHITE, 255);   /* outside: ignored */

	EXPECT_EQ(p.canvas.pixel({ 0, 0 }), WHITE.pixel());
	EXPECT_EQ(p.canvas.pixel({ 1, 0 }), BLACK.pixel());
	EXPECT_EQ(p.canvas.pixel({ 2, 0 }), (Color { 128, 128, 128 }).pixel());
}


TEST(Canvas, circle_is_symmetric)
{
	Pixels p { { 21, 21 } };
	p.canvas.fill_circle({ 10, 10 }, 5, RED);

	for (int y = 0; y < 21; y++)
		for (int x = 0; x < 21; x++) {
			EXPECT_EQ(p.canvas.pixel({ x, y }), p.canvas.pixel({ 20 - x, y }));
			EXPECT_EQ(p.canvas.pixel({ x, y }), p.canvas.pixel({ y, x }));
		}

	EXPECT_EQ(p.canvas.pixel({ 15, 10 }), RED.pixel());
	EXPECT_EQ(p.canvas.pixel({ 16, 10 }), 0u);
	EXPECT_EQ(p.canvas.pixel({ 14, 14 }), 0u);   /* the corner of the bounding box */
}
