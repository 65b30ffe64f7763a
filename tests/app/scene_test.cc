/*
 * The animation's scene: a frame depends on seed and frame number only
 */

#include <vector>

#include <gtest/gtest.h>

#include "animation/scene.h"

using namespace Animation;

namespace {

	std::vector<Pixel> frame(uint64_t seed, uint64_t n, Area area = { 160, 120 })
	{
		std::vector<Pixel> pixels(size_t(area.w) * area.h);
		Canvas canvas { pixels.data(), area };
		Scene(seed, 16, area).draw(canvas, n);
		return pixels;
	}
}


TEST(Scene, same_seed_and_frame_same_pixels)
{
	EXPECT_EQ(frame(42, 0),   frame(42, 0));
	EXPECT_EQ(frame(42, 123), frame(42, 123));
}


TEST(Scene, frames_and_seeds_differ)
{
	EXPECT_NE(frame(42, 0), frame(42, 1));
	EXPECT_NE(frame(42, 0), frame(43, 0));
}


TEST(Scene, a_frame_needs_no_history)
{
	/* drawing frames 0..99 on one canvas ends where drawing frame 99 alone does */
	Area const area { 160, 120 };
	std::vector<Pixel> pixels(size_t(area.w) * area.h);
	Canvas canvas { pixels.data(), area };
	Scene const scene(7, 16, area);
	for (uint64_t n = 0; n < 100; n++)
		scene.draw(canvas, n);

	EXPECT_EQ(pixels, frame(7, 99));
}


TEST(Scene, tiny_window)
{
	/* shapes larger than the window must neither crash nor divide by zero */
	EXPECT_EQ(frame(1, 5, { 3, 2 }).size(), 6u);
}
