/*
 * gui server: input routing, focus and hover, in-process
 */

#include <gtest/gtest.h>

#include <user_state.h>

#include "gui/gui_test_owner.h"

using namespace Gui_test;
using Event = Input::Event;

namespace {

	enum : uint32_t { BTN_LEFT = 0x110, KEY_A = 30, KEY_B = 48, KEY_F1 = 59 };

	struct Scene : User_state::Action
	{
		View_stack stack { };
		Focus      focus { };
		User_state user  { stack, focus, *this };

		Domain click = domain("click", 1);
		Owner  a { "a", &click }, b { "b", &click };
		View   va { a, nullptr }, vb { b, nullptr };

		View_owner *global = nullptr;
		unsigned    focus_changes = 0, hover_changes = 0;

		void focus_changed(View_owner *, View_owner *) override { focus_changes++; }
		void hover_changed() override { hover_changes++; }
		View_owner *global_key_receiver(uint32_t code) override { return code == KEY_F1 ? global : nullptr; }

		Scene()
		{
			stack.screen({ 200, 100 });
			va.geometry({ { 0, 0 },   { 100, 100 } });
			vb.geometry({ { 100, 0 }, { 100, 100 } });
			stack.insert(va);
			stack.insert(vb);
		}

		void motion(int x, int y) { user.handle(Event { Event::ABS_MOTION, 0, x, y, 0 }); }
		void press(uint32_t c)    { user.handle(Event { Event::PRESS, c, 0, 0, 0 }); }
		void release(uint32_t c)  { user.handle(Event { Event::RELEASE, c, 0, 0, 0 }); }
		void key(uint32_t c)      { press(c); release(c); }
		void click_at(int x, int y) { motion(x, y); key(BTN_LEFT); }
	};
}


TEST(Gui_user_state, focus_follows_click_and_keys_go_to_the_focus)
{
	Scene s;
	s.key(KEY_A);
	EXPECT_EQ(s.a.take(), "");   /* nobody has the focus yet */

	s.click_at(10, 10);
	EXPECT_EQ(s.focus.session, &s.a);
	EXPECT_EQ(s.a.take(), "enter motion 10,10 press 272 release 272");   /* where the click is */
	s.key(KEY_A);
	EXPECT_EQ(s.a.take(), "press 30 release 30");
	EXPECT_EQ(s.b.take(), "");

	s.click_at(150, 10);
	EXPECT_EQ(s.focus.session, &s.b);
	EXPECT_EQ(s.a.take(), "hover_leave leave");
	EXPECT_EQ(s.b.take(), "enter motion 150,10 press 272 release 272");
	s.key(KEY_B);
	EXPECT_EQ(s.b.take(), "press 48 release 48");
	EXPECT_EQ(s.a.take(), "");
}


TEST(Gui_user_state, a_sequence_stays_with_its_receiver)
{
	Scene s;
	s.click_at(10, 10);
	(void)s.a.take();

	/* A held while the focus moves to b: its release still goes to a */
	s.press(KEY_A);
	s.focus.session = &s.b;
	s.release(KEY_A);
	EXPECT_EQ(s.a.take(), "press 30 release 30 hover_leave");   /* no focus, no motion */
	EXPECT_EQ(s.b.take(), "");

	/* releases and repeats without a press go nowhere */
	s.release(KEY_B);
	s.press(KEY_B); s.press(KEY_B); s.release(KEY_B); s.release(KEY_B);
	EXPECT_EQ(s.b.take(), "press 48 release 48");
	EXPECT_EQ(s.user.key_count(), 0u);
}


TEST(Gui_user_state, motion_goes_to_the_focused_hovered_client_and_drags_stay)
{
	Scene s;
	s.motion(150, 50);
	EXPECT_EQ(s.b.take(), "");   /* b is hovered, not focused */

	s.click_at(10, 20);
	(void)s.a.take();
	s.motion(20, 30);
	EXPECT_EQ(s.a.take(), "motion 20,30");

	/* a drag from a over b */
	s.press(BTN_LEFT);
	s.motion(150, 40);
	s.release(BTN_LEFT);
	EXPECT_EQ(s.a.take(), "press 272 motion 150,40 release 272 hover_leave");
	EXPECT_EQ(s.b.take(), "");
	EXPECT_EQ(s.user.hovered(), &s.b);
}


TEST(Gui_user_state, motion_is_in_the_domain_coordinates)
{
	Scene s;
	Domain shifted = domain("shifted", 1);
	shifted.shift = { 100, 0 };
	s.b.dom = &shifted;
	s.vb.geometry({ { 0, 0 }, { 100, 100 } });   /* the same place on the screen */

	s.click_at(150, 50);
	(void)s.b.take();
	s.motion(160, 60);
	EXPECT_EQ(s.b.take(), "motion 60,60");
}


TEST(Gui_user_state, focus_policies)
{
	Scene s;
	Domain none = domain("none", 1), transient = domain("transient", 1);
	none.focus      = Domain::Focus::NONE;
	transient.focus = Domain::Focus::TRANSIENT;

	s.click_at(10, 10);
	EXPECT_EQ(s.focus.session, &s.a);

	/* a click on a domain without focus reaches it, but the focus stays */
	s.b.dom = &none;
	s.click_at(150, 10);
	EXPECT_EQ(s.focus.session, &s.a);
	EXPECT_EQ(s.b.take(), "motion 150,10 press 272 release 272 hover_leave");

	/* transient: the focus while the button is held, then back */
	s.b.dom = &transient;
	s.motion(150, 10);
	s.press(BTN_LEFT);
	EXPECT_EQ(s.focus.session, &s.b);
	s.release(BTN_LEFT);
	EXPECT_EQ(s.focus.session, &s.a);
}


TEST(Gui_user_state, global_keys_override_the_focus)
{
	Scene s;
	s.global = &s.b;
	s.click_at(10, 10);
	(void)s.a.take();

	s.press(KEY_F1);
	s.key(KEY_A);          /* part of the F1 sequence: b's too */
	s.release(KEY_F1);
	EXPECT_EQ(s.b.take(), "press 59 press 30 release 30 release 59");
	EXPECT_EQ(s.a.take(), "");
	EXPECT_EQ(s.focus.session, &s.a);

	s.key(KEY_A);
	EXPECT_EQ(s.a.take(), "press 30 release 30");
}


TEST(Gui_user_state, a_vanished_session_is_forgotten)
{
	Scene s;
	s.click_at(10, 10);
	s.press(KEY_A);
	EXPECT_EQ(s.user.hovered(), &s.a);

	s.stack.remove(s.va);
	s.user.forget(s.a);
	EXPECT_EQ(s.focus.session, nullptr);
	EXPECT_EQ(s.user.hovered(), nullptr);

	/* the rest of its sequence goes nowhere, and the next one works */
	(void)s.a.take();
	s.release(KEY_A);
	s.click_at(150, 10);
	EXPECT_EQ(s.a.take(), "");
	EXPECT_EQ(s.focus.session, &s.b);
}


TEST(Gui_user_state, the_pointer_stays_on_the_screen)
{
	Scene s;
	EXPECT_FALSE(s.user.pointer_visible());
	s.motion(-50, 500);
	EXPECT_TRUE(s.user.pointer_visible());
	EXPECT_EQ(s.stack.pointer().x, 0);
	EXPECT_EQ(s.stack.pointer().y, 99);

	s.user.handle(Event { Event::REL_MOTION, 0, 300, -300, 0 });
	EXPECT_EQ(s.stack.pointer().x, 199);
	EXPECT_EQ(s.stack.pointer().y, 0);
}


TEST(Gui_user_state, touch_goes_to_the_touched_client)
{
	Scene s;
	s.user.handle(Event { Event::TOUCH, 0, 150, 20, 0 });
	s.user.handle(Event { Event::TOUCH, 0, 20, 20, 0 });   /* the finger moves over a */
	s.user.handle(Event { Event::TOUCH_RELEASE, 0, 0, 0, 0 });
	EXPECT_EQ(s.b.take(), "enter touch 150,20 touch 20,20 touch_release");
	EXPECT_EQ(s.a.take(), "");
}


TEST(Gui_user_state, key_names)
{
	EXPECT_EQ(key_code("KEY_F1").value_or(0), 59u);
	EXPECT_EQ(key_code("BTN_LEFT").value_or(0), 0x110u);
	EXPECT_EQ(key_code("42").value_or(0), 42u);
	EXPECT_FALSE(key_code("KEY_NONSENSE"));
	EXPECT_FALSE(key_code("0x300"));
}
