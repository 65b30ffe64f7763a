/*
 * Key names and the US layout over the kernel's key codes
 */

#include <gtest/gtest.h>

#include <linux/input-event-codes.h>

#include <nestbox/input/keys.h>

using namespace nestbox::Input;


TEST(Keys, names_are_the_kernels)
{
	EXPECT_EQ(key_code("KEY_ESC"),      std::optional<uint32_t>(KEY_ESC));
	EXPECT_EQ(key_code("KEY_F1"),       std::optional<uint32_t>(59));
	EXPECT_EQ(key_code("KEY_F12"),      std::optional<uint32_t>(KEY_F12));
	EXPECT_EQ(key_code("KEY_LEFTCTRL"), std::optional<uint32_t>(KEY_LEFTCTRL));
	EXPECT_EQ(key_code("KEY_SLASH"),    std::optional<uint32_t>(KEY_SLASH));
	EXPECT_EQ(key_code("BTN_LEFT"),     std::optional<uint32_t>(0x110));
	EXPECT_EQ(key_code("BTN_MIDDLE"),   std::optional<uint32_t>(BTN_MIDDLE));
	EXPECT_EQ(key_code("BTN_TOUCH"),    std::optional<uint32_t>(BTN_TOUCH));
}


TEST(Keys, numbers_below_the_kernels_count_are_codes)
{
	EXPECT_EQ(KEY_COUNT, uint32_t(KEY_CNT));
	EXPECT_EQ(key_code("42"),    std::optional<uint32_t>(42));
	EXPECT_EQ(key_code("0x110"), std::optional<uint32_t>(0x110));
	EXPECT_EQ(key_code("0x2ff"), std::optional<uint32_t>(KEY_MAX));
	EXPECT_FALSE(key_code("0x300"));
	EXPECT_FALSE(key_code("-1"));
	EXPECT_FALSE(key_code(""));
	EXPECT_FALSE(key_code("12abc"));
}


TEST(Keys, unknown_names_are_refused)
{
	EXPECT_FALSE(key_code("KEY_NONSENSE"));
	EXPECT_FALSE(key_code("key_f1"));     /* the kernel's spelling only */
	EXPECT_FALSE(key_code("KEY_F1 "));
}


TEST(Keys, every_name_maps_back_to_itself)
{
	for (uint32_t code = 0; code < KEY_COUNT; code++) {
		std::string_view const name = key_name(code);
		if (name.empty()) continue;
		EXPECT_EQ(key_code(name), std::optional<uint32_t>(code)) << name;
	}
	EXPECT_EQ(key_name(KEY_F1), "KEY_F1");
	EXPECT_EQ(key_name(BTN_RIGHT), "BTN_RIGHT");
	EXPECT_TRUE(key_name(KEY_CNT).empty());
}


TEST(Keys, us_layout_characters)
{
	EXPECT_EQ(us_character(KEY_1, false),         U'1');
	EXPECT_EQ(us_character(KEY_1, true),          U'!');
	EXPECT_EQ(us_character(KEY_A, true),          U'A');
	EXPECT_EQ(us_character(KEY_APOSTROPHE, true), U'"');
	EXPECT_EQ(us_character(KEY_SLASH, true),      U'?');
	EXPECT_EQ(us_character(KEY_SPACE, true),      U' ');
	EXPECT_EQ(us_character(KEY_ENTER, false),     0u);
	EXPECT_EQ(us_character(KEY_ESC, false),       0u);
	EXPECT_EQ(us_character(BTN_LEFT, false),      0u);
}


TEST(Keys, us_keys_type_every_printable_ascii_character_back)
{
	for (char32_t c = 0x21; c <= 0x7e; c++) {
		auto const key = us_key(c);
		ASSERT_TRUE(key) << uint32_t(c);
		EXPECT_EQ(us_character(key->code, key->shift), c) << uint32_t(c);
	}

	auto const space = us_key(U' ');
	ASSERT_TRUE(space);
	EXPECT_EQ(space->code, uint32_t(KEY_SPACE));

	auto const upper_a = us_key(U'A');
	ASSERT_TRUE(upper_a);
	EXPECT_EQ(upper_a->code, uint32_t(KEY_A));
	EXPECT_TRUE(upper_a->shift);

	auto const newline = us_key(U'\n');
	ASSERT_TRUE(newline);
	EXPECT_EQ(newline->code, uint32_t(KEY_ENTER));
	EXPECT_FALSE(newline->shift);

	EXPECT_FALSE(us_key(U'\0'));
	EXPECT_FALSE(us_key(U'\x7f'));
	EXPECT_FALSE(us_key(U'ä'));
}
