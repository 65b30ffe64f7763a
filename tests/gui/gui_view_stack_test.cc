/*
 * gui server: stacking, clipping and composition of views, in-process
 */

#include <gtest/gtest.h>

#include <pointer.h>
#include <view_stack.h>

#include "gui/gui_test_owner.h"

using namespace Gui_test;

namespace {

	enum : Pixel { BG = 0x202020, RED = 0xff0000, GREEN = 0x00ff00, BLUE = 0x0000ff, WHITE = 0xffffff };

	/* a screen, a stack and a way to look at the result */
	struct Scene
	{
		Area               size { 64, 48 };
		std::vector<Pixel> screen = std::vector<Pixel>(size_t(size.w) * size.h, 0xdeadbe);
		Canvas             canvas { screen.data(), size };
		View_stack         stack { };
		Draw_context       ctx { };

		Scene() { stack.screen(size); (void)stack.dirty().take(); }

		void draw()
		{
			for (Rect r : stack.dirty().take()) stack.draw(canvas, r, ctx);
		}

		void draw_all() { stack.draw(canvas, { { 0, 0 }, size }, ctx); }

		Pixel at(int x, int y) const { return canvas.pixel({ x, y }); }

		View &view(Owner &o, Rect r, std::vector<std::unique_ptr<View>> &keep, View *parent = nullptr)
		{
			keep.push_back(std::make_unique<View>(o, parent));
			View &v = *keep.back();
			stack.insert(v);
			v.geometry(r);
			stack.damage_view(v);
			return v;
		}
	};
}


TEST(Gui_view_stack, background_where_no_view_is)
{
	Scene s;
	s.draw_all();
	EXPECT_EQ(s.at(0, 0), BG);
	EXPECT_EQ(s.at(63, 47), BG);
}


TEST(Gui_view_stack, later_view_in_front_and_restacking)
{
	Scene s;
	Domain d = domain("d", 1);
	Owner a("a", &d), b("b", &d);
	a.buffer({ 20, 20 }, RED);
	b.buffer({ 20, 20 }, GREEN);
	std::vector<std::unique_ptr<View>> keep;

	View &va = s.view(a, { { 0, 0 }, { 20, 20 } }, keep);
	View &vb = s.view(b, { { 10, 10 }, { 20, 20 } }, keep);
	s.draw_all();
	EXPECT_EQ(s.at(5, 5),   RED);
	EXPECT_EQ(s.at(15, 15), GREEN);   /* b was inserted later: in front */
	EXPECT_EQ(s.at(25, 25), GREEN);
	EXPECT_EQ(s.at(35, 35), BG);

	s.stack.stack(va, nullptr, true);
	s.draw();
	EXPECT_EQ(s.at(15, 15), RED);

	/* behind a specific neighbor, then in front of it */
	s.stack.stack(va, &vb, false);
	s.draw();
	EXPECT_EQ(s.at(15, 15), GREEN);
	s.stack.stack(va, &vb, true);
	s.draw();
	EXPECT_EQ(s.at(15, 15), RED);
}


TEST(Gui_view_stack, layers_beat_stacking_requests)
{
	Scene s;
	Domain front = domain("front", 0), back = domain("back", 1);
	Owner a("a", &front), b("b", &back);
	a.buffer({ 20, 20 }, RED);
	b.buffer({ 20, 20 }, GREEN);
	std::vector<std::unique_ptr<View>> keep;

	View &va = s.view(a, { { 0, 0 }, { 20, 20 } }, keep);
	View &vb = s.view(b, { { 10, 10 }, { 20, 20 } }, keep);

	s.stack.stack(vb, nullptr, true);
	s.stack.stack(vb, &va, true);      /* a neighbor in another layer does not help */
	s.draw_all();
	EXPECT_EQ(s.at(15, 15), RED);
	EXPECT_EQ(s.stack.view_at({ 15, 15 }), &va);
	EXPECT_EQ(s.stack.view_at({ 25, 25 }), &vb);
}


TEST(Gui_view_stack, background_views_stay_behind_their_layer)
{
	Scene s;
	Domain d = domain("d", 1);
	Owner a("a", &d), b("b", &d);
	a.buffer({ 64, 48 }, BLUE);
	b.buffer({ 20, 20 }, GREEN);
	std::vector<std::unique_ptr<View>> keep;

	View &vb = s.view(b, { { 10, 10 }, { 20, 20 } }, keep);
	View &va = s.view(a, { { 0, 0 }, { 64, 48 } }, keep);
	va.background(true);
	s.stack.stack(va, nullptr, false);
	s.stack.stack(va, &vb, true);
	s.draw_all();
	EXPECT_EQ(s.at(15, 15), GREEN);
	EXPECT_EQ(s.at(40, 40), BLUE);
}


TEST(Gui_view_stack, offset_selects_the_part_of_the_buffer)
{
	Scene s;
	Domain d = domain("d", 1);
	Owner a("a", &d);
	a.buffer({ 40, 10 }, RED);
	for (int y = 0; y < 10; y++)
		for (int x = 20; x < 40; x++) a.pixels[size_t(y) * 40 + size_t(x)] = GREEN;
	std::vector<std::unique_ptr<View>> keep;

	View &v = s.view(a, { { 5, 5 }, { 10, 10 } }, keep);
	s.draw_all();
	EXPECT_EQ(s.at(5, 5), RED);

	v.offset({ 25, 0 });
	s.draw_all();
	EXPECT_EQ(s.at(5, 5),   GREEN);
	EXPECT_EQ(s.at(14, 14), GREEN);

	/* beyond the buffer the view is black, never stale or foreign pixels */
	v.offset({ 35, 0 });
	s.draw_all();
	EXPECT_EQ(s.at(9, 5),  GREEN);
	EXPECT_EQ(s.at(10, 5), 0u);
	EXPECT_EQ(s.at(14, 14), 0u);
}


TEST(Gui_view_stack, child_views_are_clipped_to_their_parent)
{
	Scene s;
	Domain d = domain("d", 1);
	Owner a("a", &d);
	a.buffer({ 64, 48 }, RED);
	std::vector<std::unique_ptr<View>> keep;

	View &parent = s.view(a, { { 10, 10 }, { 20, 20 } }, keep);
	s.stack.stack(parent, nullptr, false);
	View &child = s.view(a, { { 15, 15 }, { 30, 30 } }, keep, &parent);
	child.offset({ 0, 0 });

	EXPECT_EQ(s.stack.abs_geometry(child).at.x, 25);
	Rect const c = s.stack.clip(child);
	EXPECT_EQ(c.at.x, 25);
	EXPECT_EQ(c.area.w, 5u);
	EXPECT_EQ(c.area.h, 5u);
	EXPECT_EQ(s.stack.view_at({ 27, 27 }), &child);
	EXPECT_EQ(s.stack.view_at({ 35, 35 }), nullptr);

	/* moving the parent moves the child */
	parent.geometry({ { 0, 0 }, { 20, 20 } });
	EXPECT_EQ(s.stack.abs_geometry(child).at.x, 15);
}


TEST(Gui_view_stack, views_are_clipped_to_the_screen)
{
	Scene s;
	Domain d = domain("d", 1);
	Owner a("a", &d);
	a.buffer({ 100, 100 }, RED);
	std::vector<std::unique_ptr<View>> keep;

	View &v = s.view(a, { { -50, 40 }, { 100, 100 } }, keep);
	Rect const c = s.stack.clip(v);
	EXPECT_EQ(c.at.x, 0);
	EXPECT_EQ(c.at.y, 40);
	EXPECT_EQ(c.area.w, 50u);
	EXPECT_EQ(c.area.h, 8u);
	s.draw_all();
	EXPECT_EQ(s.at(0, 47), RED);

	/* absurd client geometry is clamped, never overflows */
	v.geometry({ { INT32_MAX, INT32_MIN }, { ~0u, ~0u } });
	EXPECT_TRUE(s.stack.clip(v).empty());
	s.draw_all();
	EXPECT_EQ(s.at(0, 47), BG);
}


TEST(Gui_view_stack, damage_covers_old_and_new_place_only)
{
	Scene s;
	Domain d = domain("d", 1);
	Owner a("a", &d);
	a.buffer({ 10, 10 }, RED);
	std::vector<std::unique_ptr<View>> keep;

	View &v = s.view(a, { { 0, 0 }, { 10, 10 } }, keep);
	s.draw_all();
	(void)s.stack.dirty().take();

	s.stack.damage_view(v);
	v.geometry({ { 30, 30 }, { 10, 10 } });
	s.stack.damage_view(v);

	std::vector<Rect> const dirty = s.stack.dirty().take();
	ASSERT_EQ(dirty.size(), 2u);
	EXPECT_EQ(dirty[0].at.x, 0);
	EXPECT_EQ(dirty[1].at.x, 30);

	/* drawing the damage alone leaves the old place as background */
	s.screen[size_t(20) * s.size.w + 20] = 0x123456;   /* outside the damage: untouched */
	for (Rect r : dirty) s.stack.draw(s.canvas, r, s.ctx);
	EXPECT_EQ(s.at(5, 5),   BG);
	EXPECT_EQ(s.at(35, 35), RED);
	EXPECT_EQ(s.at(20, 20), 0x123456u);
}


TEST(Gui_view_stack, dirty_region_merges_overlaps_and_bounds_its_size)
{
	Dirty_region d;
	d.add({ { 0, 0 }, { 10, 10 } });
	d.add({ { 5, 5 }, { 10, 10 } });
	d.add({ { 50, 50 }, { 1, 1 } });
	d.add({ { 0, 0 }, { 0, 5 } });   /* empty: ignored */
	auto rects = d.take();
	ASSERT_EQ(rects.size(), 2u);
	EXPECT_EQ(rects[0].area.w, 15u);
	EXPECT_TRUE(d.empty());

	for (int i = 0; i < 100; i++) d.add({ { i * 3, 0 }, { 1, 1 } });
	rects = d.take();
	EXPECT_LE(rects.size(), 17u);
	Rect all { };
	for (Rect r : rects) all = bounding(all, r);
	EXPECT_EQ(all.at.x, 0);
	EXPECT_EQ(x_end(all), 298);
}


TEST(Gui_view_stack, tinting_frames_and_labels)
{
	Scene s;
	Domain d = domain("d", 1);
	d.content = Domain::Content::TINTED;
	d.label   = true;
	d.color   = Color { 0x00, 0xff, 0x00 };
	Owner a("a", &d);
	a.buffer({ 40, 30 }, WHITE);
	std::vector<std::unique_ptr<View>> keep;
	s.view(a, { { 10, 10 }, { 40, 30 } }, keep);

	s.draw_all();
	EXPECT_EQ(s.at(30, 30), 0x7fff7fu);   /* white mixed with the domain color */
	EXPECT_EQ(s.at(9, 20),  0u);          /* frame: black, color, black */
	EXPECT_EQ(s.at(8, 20),  0x00ff00u);
	EXPECT_EQ(s.at(7, 20),  0u);
	EXPECT_EQ(s.at(6, 20),  BG);

	/* the label bar over the client's white pixels, "a" in white */
	EXPECT_EQ(s.at(10, 10), 0u);
	EXPECT_EQ(s.at(13, 14), WHITE);
	EXPECT_EQ(s.at(12, 14), 0u);

	/* focused: the client's own colors, a wider frame */
	s.ctx.focused = &a;
	s.draw_all();
	EXPECT_EQ(s.at(30, 30), WHITE);
	EXPECT_EQ(s.at(7, 20),  0x00ff00u);
	EXPECT_EQ(s.at(5, 20),  0u);
	EXPECT_EQ(s.at(13, 14), WHITE);
	EXPECT_EQ(s.at(12, 14), 0u);
}


TEST(Gui_view_stack, alpha_blends_and_masks_input)
{
	Scene s;
	Domain d = domain("d", 1);
	Owner back("back", &d), glass("glass", &d);
	back.buffer({ 64, 48 }, BLUE);
	glass.buffer({ 20, 20 }, RED);
	glass.alpha(128);
	std::vector<std::unique_ptr<View>> keep;
	View &vb = s.view(back,  { { 0, 0 }, { 64, 48 } }, keep);
	View &vg = s.view(glass, { { 10, 10 }, { 20, 20 } }, keep);

	s.draw_all();
	Pixel const p = s.at(15, 15);
	EXPECT_EQ(p >> 16, 0x80u);         /* half red … */
	EXPECT_EQ(p & 0xff, 0x7fu);        /* … over half blue */
	EXPECT_EQ(s.stack.view_at({ 15, 15 }), &vg);

	glass.alpha(0);
	s.draw_all();
	EXPECT_EQ(s.at(15, 15), BLUE);
	EXPECT_EQ(s.stack.view_at({ 15, 15 }), &vb);   /* input passes through */
}


TEST(Gui_view_stack, domain_origins_place_views)
{
	Scene s;
	Domain d = domain("d", 1);
	d.origin = Domain::Origin::BOTTOM_RIGHT;
	d.shift  = { -10, -5 };
	Owner a("a", &d);
	a.buffer({ 5, 5 }, RED);
	std::vector<std::unique_ptr<View>> keep;
	View &v = s.view(a, { { 0, 0 }, { 5, 5 } }, keep);
	EXPECT_EQ(s.stack.abs_geometry(v).at.x, 54);
	EXPECT_EQ(s.stack.abs_geometry(v).at.y, 43);

	d.origin = Domain::Origin::POINTER;
	d.shift  = { 0, 0 };
	s.stack.pointer({ 20, 30 });
	EXPECT_EQ(s.stack.abs_geometry(v).at.x, 20);

	/* a pointer move damages where such a view was and where it goes */
	(void)s.stack.dirty().take();
	s.stack.pointer({ 40, 30 });
	EXPECT_EQ(s.stack.dirty().take().size(), 2u);

	Domain panel = domain("panel", 0);
	panel.height = -20;
	EXPECT_EQ(panel.screen_area({ 640, 480 }).h, 460u);
	panel.height = 20;
	EXPECT_EQ(panel.screen_area({ 640, 480 }).h, 20u);
}


TEST(Gui_view_stack, views_without_domain_are_neither_drawn_nor_hit)
{
	Scene s;
	Owner a("a", nullptr);
	a.buffer({ 10, 10 }, RED);
	std::vector<std::unique_ptr<View>> keep;
	s.view(a, { { 0, 0 }, { 10, 10 } }, keep);
	s.draw_all();
	EXPECT_EQ(s.at(5, 5), BG);
	EXPECT_EQ(s.stack.view_at({ 5, 5 }), nullptr);
}


TEST(Gui_view_stack, removed_views_leave_background)
{
	Scene s;
	Domain d = domain("d", 1);
	Owner a("a", &d);
	a.buffer({ 10, 10 }, RED);
	std::vector<std::unique_ptr<View>> keep;
	View &v = s.view(a, { { 0, 0 }, { 10, 10 } }, keep);
	s.draw();
	EXPECT_EQ(s.at(5, 5), RED);
	s.stack.remove(v);
	s.draw();
	EXPECT_EQ(s.at(5, 5), BG);
	EXPECT_FALSE(s.stack.stacked(v));
}


TEST(Gui_view_stack, pointer_shape_is_drawn_over_everything)
{
	Scene s;
	s.draw_all();
	Pointer::draw(s.canvas, { 10, 10 });
	EXPECT_EQ(s.at(10, 10), 0u);         /* the tip's outline */
	EXPECT_EQ(s.at(11, 12), WHITE);      /* the body */
	EXPECT_EQ(s.at(20, 10), BG);         /* transparent */
}
