/*
 * Key and button codes: their names, and the US layout
 *
 * Input events carry Linux evdev codes, and the kernel's own table of them,
 * <linux/input-event-codes.h> (KEY_A, BTN_LEFT, …), is the one nestbox
 * uses: include it where a code is named. It is not included here because
 * its names are macros, which would clash with any identifier of the same
 * name in a file that includes this header for the functions below.
 *
 * What the kernel's table does not have lives here once: the codes' names
 * as strings (configs name keys) and the characters of the US layout's
 * main block, for a press that comes without a character and for text that
 * must become key presses.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace nestbox::Input {

	/* One more than the highest code: the kernel's KEY_CNT (checked where both are seen) */
	enum : uint32_t { KEY_COUNT = 0x300 };

	/*
	 * The code of a key name ("KEY_F1", "KEY_LEFTCTRL", "BTN_LEFT") or of a
	 * number ("59", "0x3b") below KEY_COUNT; nothing if neither
	 */
	std::optional<uint32_t> key_code(std::string_view name);

	/* The name of 'code' ("KEY_F1"), or an empty view if the table has none */
	std::string_view key_name(uint32_t code);

	/* The character a US keyboard types with key 'code' (with shift held or not), or 0 */
	char32_t us_character(uint32_t code, bool shift);

	struct Us_key { uint32_t code; bool shift; };

	/*
	 * The key that types 'c' on a US keyboard, and whether it needs shift:
	 * printable ASCII, '\n' (KEY_ENTER) and '\t' (KEY_TAB); nothing for others
	 */
	std::optional<Us_key> us_key(char32_t c);
}
