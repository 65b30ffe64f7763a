/*
 * Keymap: the characters of key presses that come without one
 *
 * An Input server may attach the Unicode character to a press; where it
 * does not (a raw keyboard driver, injected key codes), the text app falls
 * back to the US layout for the keys of the main block.
 */
#pragma once

#include <string_view>

namespace Text {

	enum Key : uint32_t {
		KEY_BACKSPACE = 14, KEY_ENTER = 28, KEY_LEFTSHIFT = 42, KEY_RIGHTSHIFT = 54, KEY_SPACE = 57,
	};

	/* The US layout of the codes 2 (KEY_1) to 53 (KEY_SLASH); '\0' where a key types nothing */
	static constexpr std::string_view US_PLAIN {
		"1234567890-=\0\0qwertyuiop[]\0\0asdfghjkl;'`\0\\zxcvbnm,./", 52 };
	static constexpr std::string_view US_SHIFT {
		"!@#$%^&*()_+\0\0QWERTYUIOP{}\0\0ASDFGHJKL:\"~\0|ZXCVBNM<>?", 52 };

	/* The character of key 'code', or 0 */
	inline char32_t us_character(uint32_t code, bool shift)
	{
		if (code == KEY_SPACE) return U' ';
		if (code < 2 || code > 53) return 0;
		return char32_t((shift ? US_SHIFT : US_PLAIN)[code - 2]);
	}
}
