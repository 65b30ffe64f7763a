/*
 * The text app's fallback keymap: US layout by evdev code
 */

#include <gtest/gtest.h>

#include "text/keymap.h"

using namespace Text;


TEST(Keymap, us_layout)
{
	EXPECT_EQ(us_character(2,  false), U'1');
	EXPECT_EQ(us_character(2,  true),  U'!');
	EXPECT_EQ(us_character(16, false), U'q');
	EXPECT_EQ(us_character(30, true),  U'A');
	EXPECT_EQ(us_character(40, true),  U'"');
	EXPECT_EQ(us_character(43, false), U'\\');
	EXPECT_EQ(us_character(50, false), U'm');
	EXPECT_EQ(us_character(53, true),  U'?');
	EXPECT_EQ(us_character(KEY_SPACE, false), U' ');
}


TEST(Keymap, keys_that_type_nothing)
{
	EXPECT_EQ(us_character(KEY_BACKSPACE, false), 0u);
	EXPECT_EQ(us_character(KEY_ENTER, false),     0u);
	EXPECT_EQ(us_character(KEY_LEFTSHIFT, false), 0u);
	EXPECT_EQ(us_character(1, false),             0u);   /* escape */
	EXPECT_EQ(us_character(0x110, false),         0u);   /* BTN_LEFT */
}
