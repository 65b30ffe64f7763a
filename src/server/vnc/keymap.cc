/*
 * From what RFB clients send to Linux evdev key codes
 */

#include "keymap.h"

#include <cstring>

/* after keymap.h: the kernel's KEY_UNKNOWN is a macro of the same value as keymap.h's */
#include <linux/input-event-codes.h>

#include <nestbox/input/keys.h>

namespace {

	struct Mapping { uint32_t keysym; uint32_t evdev; };

	/* function keys (X11 keysymdef.h) and their evdev codes */
	constexpr Mapping function_keys[] = {
		{ 0xff08, KEY_BACKSPACE },  { 0xff09, KEY_TAB },        { 0xff0d, KEY_ENTER },
		{ 0xff13, KEY_PAUSE },      { 0xff14, KEY_SCROLLLOCK }, { 0xff1b, KEY_ESC },
		{ 0xff50, KEY_HOME },       { 0xff51, KEY_LEFT },       { 0xff52, KEY_UP },
		{ 0xff53, KEY_RIGHT },      { 0xff54, KEY_DOWN },       { 0xff55, KEY_PAGEUP },     /* Prior */
		{ 0xff56, KEY_PAGEDOWN },   /* Next */                  { 0xff57, KEY_END },
		{ 0xff61, KEY_SYSRQ },      /* Print */                 { 0xff63, KEY_INSERT },
		{ 0xff67, KEY_COMPOSE },    /* Menu */                  { 0xff7f, KEY_NUMLOCK },
		{ 0xff8d, KEY_KPENTER },    { 0xffaa, KEY_KPASTERISK }, { 0xffab, KEY_KPPLUS },
		{ 0xffad, KEY_KPMINUS },    { 0xffae, KEY_KPDOT },      { 0xffaf, KEY_KPSLASH },
		{ 0xffb0, KEY_KP0 }, { 0xffb1, KEY_KP1 }, { 0xffb2, KEY_KP2 }, { 0xffb3, KEY_KP3 },
		{ 0xffb4, KEY_KP4 }, { 0xffb5, KEY_KP5 }, { 0xffb6, KEY_KP6 }, { 0xffb7, KEY_KP7 },
		{ 0xffb8, KEY_KP8 }, { 0xffb9, KEY_KP9 },
		{ 0xffbe, KEY_F1 },  { 0xffbf, KEY_F2 },  { 0xffc0, KEY_F3 },  { 0xffc1, KEY_F4 },
		{ 0xffc2, KEY_F5 },  { 0xffc3, KEY_F6 },  { 0xffc4, KEY_F7 },  { 0xffc5, KEY_F8 },
		{ 0xffc6, KEY_F9 },  { 0xffc7, KEY_F10 }, { 0xffc8, KEY_F11 }, { 0xffc9, KEY_F12 },
		{ 0xffe1, KEY_LEFTSHIFT },  /* Shift_L */   { 0xffe2, KEY_RIGHTSHIFT }, /* Shift_R */
		{ 0xffe3, KEY_LEFTCTRL },   /* Control_L */ { 0xffe4, KEY_RIGHTCTRL },  /* Control_R */
		{ 0xffe5, KEY_CAPSLOCK },   { 0xffe7, KEY_LEFTMETA },   /* Meta_L */
		{ 0xffe8, KEY_RIGHTMETA },  /* Meta_R */    { 0xffe9, KEY_LEFTALT },    /* Alt_L */
		{ 0xffea, KEY_RIGHTALT },   /* Alt_R */     { 0xffeb, KEY_LEFTMETA },   /* Super_L */
		{ 0xffec, KEY_RIGHTMETA },  /* Super_R */   { 0xfe03, KEY_RIGHTALT },   /* ISO_Level3_Shift (AltGr) */
		{ 0xffff, KEY_DELETE },
	};

	/* XT scan codes with the 0xe0 prefix, as QEMU encodes them (0x80 | second byte) */
	constexpr Mapping extended_xt[] = {
		{ 0x9c, KEY_KPENTER },  { 0x9d, KEY_RIGHTCTRL }, { 0xb5, KEY_KPSLASH },
		{ 0xb7, KEY_SYSRQ },    { 0xb8, KEY_RIGHTALT },  { 0xc7, KEY_HOME },
		{ 0xc8, KEY_UP },       { 0xc9, KEY_PAGEUP },    { 0xcb, KEY_LEFT },
		{ 0xcd, KEY_RIGHT },    { 0xcf, KEY_END },       { 0xd0, KEY_DOWN },
		{ 0xd1, KEY_PAGEDOWN }, { 0xd2, KEY_INSERT },    { 0xd3, KEY_DELETE },
		{ 0xdb, KEY_LEFTMETA }, { 0xdc, KEY_RIGHTMETA }, { 0xdd, KEY_COMPOSE },
	};
}


uint32_t Vnc::evdev_from_keysym(uint32_t keysym)
{
	/* printable ASCII: the key of a US keyboard that types it */
	if (keysym >= 0x20 && keysym <= 0x7e)
		if (auto key = nestbox::Input::us_key(char32_t(keysym))) return key->code;
	for (Mapping const &m : function_keys)
		if (m.keysym == keysym) return m.evdev;

	/* a character without a US key still reaches the client, by its Unicode value */
	return unicode_from_keysym(keysym) ? uint32_t(KEY_UNKNOWN) : 0;
}


uint32_t Vnc::unicode_from_keysym(uint32_t keysym)
{
	if ((keysym >= 0x20 && keysym <= 0x7e) || (keysym >= 0xa0 && keysym <= 0xff)) return keysym;
	if (keysym >= 0x01000100 && keysym <= 0x0110ffff) return keysym & 0x00ffffff;
	return 0;
}


uint32_t Vnc::evdev_from_xt(uint32_t keycode)
{
	/* XT set 1 make codes below 0x59 are evdev's codes (evdev was laid out after them) */
	if (keycode >= 1 && keycode < 0x59) return keycode;
	for (Mapping const &m : extended_xt)
		if (m.keysym == keycode) return m.evdev;
	return 0;
}
