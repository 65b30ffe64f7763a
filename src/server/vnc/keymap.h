/*
 * From what RFB clients send to Linux evdev key codes
 *
 * A plain KeyEvent carries an X keysym: the character or function the
 * client's layout produced. It is mapped to the key of a US keyboard that
 * produces it, and the character goes along as the event's Unicode value.
 * QEMU's extended key event also carries the XT scan code of the physical
 * key: that maps to evdev exactly, so the component's own keyboard layout
 * applies (the reason the extension exists).
 */
#pragma once

#include <cstdint>

namespace Vnc {

	enum : uint32_t { KEY_UNKNOWN = 240 };   /* evdev's code for a key it cannot name */

	/* The evdev code for 'keysym', or 0 if there is none */
	uint32_t evdev_from_keysym(uint32_t keysym);

	/* The character 'keysym' stands for, or 0 for a function key */
	uint32_t unicode_from_keysym(uint32_t keysym);

	/* The evdev code for an XT scan code as QEMU's extension encodes it, or 0 */
	uint32_t evdev_from_xt(uint32_t keycode);
}
