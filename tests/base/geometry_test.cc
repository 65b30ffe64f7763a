/*
 * Rectangle arithmetic: the edge cases every screen user relies on
 */

#include <gtest/gtest.h>

#include <nestbox/util/geometry.h>

using namespace nestbox;

namespace {

	Rect rect(int32_t x, int32_t y, uint32_t w, uint32_t h) { return Rect { { x, y }, { w, h } }; }

	void expect_rect(Rect r, int32_t x, int32_t y, uint32_t w, uint32_t h)
	{
		EXPECT_EQ(r.at.x, x);   EXPECT_EQ(r.at.y, y);
		EXPECT_EQ(r.area.w, w); EXPECT_EQ(r.area.h, h);
	}

	constexpr int32_t  MIN32  = std::numeric_limits<int32_t>::min();
	constexpr int32_t  MAX32  = std::numeric_limits<int32_t>::max();
	constexpr uint32_t MAXU32 = std::numeric_limits<uint32_t>::max();
}


TEST(Geometry, intersect_of_overlapping_rects_is_their_common_part)
{
	expect_rect(intersect(rect(0, 0, 10, 10), rect(5, 6, 10, 10)), 5, 6, 5, 4);
	expect_rect(intersect(rect(5, 6, 10, 10), rect(0, 0, 10, 10)), 5, 6, 5, 4);
	expect_rect(intersect(rect(-4, -4, 8, 8), rect(0, 0, 100, 100)), 0, 0, 4, 4);
}


TEST(Geometry, intersect_with_one_inside_the_other_is_the_inner_one)
{
	expect_rect(intersect(rect(0, 0, 100, 100), rect(10, 20, 3, 4)), 10, 20, 3, 4);
	expect_rect(intersect(rect(7, 7, 1, 1), rect(7, 7, 1, 1)), 7, 7, 1, 1);
}


TEST(Geometry, rects_that_only_touch_do_not_intersect)
{
	/* ends are exclusive: x 0..9 and x 10..19 share no column */
	EXPECT_TRUE(intersect(rect(0, 0, 10, 10), rect(10, 0, 10, 10)).empty());
	EXPECT_TRUE(intersect(rect(0, 0, 10, 10), rect(0, 10, 10, 10)).empty());
	EXPECT_FALSE(overlap(rect(0, 0, 10, 10), rect(10, 10, 5, 5)));
	EXPECT_TRUE(overlap(rect(0, 0, 10, 10), rect(9, 9, 5, 5)));
}


TEST(Geometry, no_intersection_is_the_canonical_empty_rect)
{
	expect_rect(intersect(rect(0, 0, 10, 10), rect(50, 50, 10, 10)), 0, 0, 0, 0);

	/* an empty rect intersects nothing, even where it lies inside the other */
	expect_rect(intersect(rect(0, 0, 10, 10), rect(5, 5, 0, 3)), 0, 0, 0, 0);
	expect_rect(intersect(rect(5, 5, 3, 0), rect(0, 0, 10, 10)), 0, 0, 0, 0);
}


TEST(Geometry, client_rects_beyond_int32_are_clipped_not_wrapped)
{
	/* a width that runs past INT32_MAX still ends where it ends */
	expect_rect(intersect(rect(MAX32 - 5, 0, MAXU32, 1), rect(0, 0, 1920, 1080)), 0, 0, 0, 0);
	expect_rect(intersect(rect(-100, -100, MAXU32, MAXU32), rect(0, 0, 1920, 1080)), 0, 0, 1920, 1080);
	expect_rect(intersect(rect(MIN32, MIN32, MAXU32, MAXU32), rect(0, 0, 640, 480)), 0, 0, 640, 480);

	/* the largest rectangles: the part is as wide as the narrower one */
	expect_rect(intersect(rect(MIN32, 0, MAXU32, 1), rect(MIN32 + 1, 0, MAXU32, 1)), MIN32 + 1, 0, MAXU32 - 1, 1);
}


TEST(Geometry, bounding_holds_both_and_ignores_empty_rects)
{
	expect_rect(bounding(rect(0, 0, 2, 2), rect(10, 20, 5, 5)), 0, 0, 15, 25);
	expect_rect(bounding(rect(-3, 4, 1, 1), rect(0, 0, 0, 0)), -3, 4, 1, 1);
	expect_rect(bounding(rect(0, 0, 0, 0), rect(6, 7, 8, 9)), 6, 7, 8, 9);

	/* wider than uint32 can say: saturates instead of wrapping to a small rect */
	Rect const wide = bounding(rect(MIN32, 0, 1, 1), rect(MAX32, 0, MAXU32, 1));
	EXPECT_EQ(wide.at.x, MIN32);
	EXPECT_EQ(wide.area.w, MAXU32);
}


TEST(Geometry, contains_and_covers_exclude_the_end)
{
	Rect const r = rect(10, 10, 5, 5);
	EXPECT_TRUE(contains(r, { 10, 10 }));
	EXPECT_TRUE(contains(r, { 14, 14 }));
	EXPECT_FALSE(contains(r, { 15, 14 }));
	EXPECT_FALSE(contains(r, { 9, 12 }));
	EXPECT_FALSE(contains(rect(0, 0, 0, 0), { 0, 0 }));

	EXPECT_TRUE(covers(r, rect(10, 10, 5, 5)));
	EXPECT_TRUE(covers(r, rect(100, 100, 0, 0)));
	EXPECT_FALSE(covers(r, rect(11, 10, 5, 5)));
}


TEST(Geometry, moved_and_grown)
{
	expect_rect(moved(rect(1, 2, 3, 4), { -1, 10 }), 0, 12, 3, 4);
	expect_rect(grown(rect(10, 10, 4, 4), 2), 8, 8, 8, 8);
	expect_rect(grown(rect(10, 10, 4, 4), -2), 0, 0, 0, 0);     /* shrunk to nothing */
	expect_rect(grown(rect(10, 10, 0, 4), 2), 10, 10, 0, 4);    /* empty stays empty */

	Point const p = Point { 3, 4 } - Point { 5, 1 };
	EXPECT_EQ(p.x, -2);
	EXPECT_EQ(p.y, 3);
}
