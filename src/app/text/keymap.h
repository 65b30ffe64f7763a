/*
 * Keymap: the characters of key presses that come without one
 *
 * An Input server may attach the Unicode character to a press; where it
 * does not (a raw keyboard driver, injected key codes), the text app falls
 * back to the US layout for the keys of the main block: libnestbox's, over
 * the kernel's key codes.
 */
#pragma once

#include <linux/input-event-codes.h>

#include <nestbox/input/keys.h>

namespace Text {

	/* The character of key 'code', or 0 */
	using nestbox::Input::us_character;
}
