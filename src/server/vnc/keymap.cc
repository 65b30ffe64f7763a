/*
 * From what RFB clients send to Linux evdev key codes
 */

#include <cstring>

#include "keymap.h"

namespace {

	struct Mapping { uint32_t keysym; uint32_t evdev; };

	/* function keys (X11 keysymdef.h) and their evdev codes (linux/input-event-codes.h) */
	constexpr Mapping function_keys[] = {
		{ 0xff08, 14 },  /* BackSpace */   { 0xff09, 15 },  /* Tab */
		{ 0xff0d, 28 },  /* Return */      { 0xff13, 119 }, /* Pause */
		{ 0xff14, 70 },  /* Scroll_Lock */ { 0xff1b, 1 },   /* Escape */
		{ 0xff50, 102 }, /* Home */        { 0xff51, 105 }, /* Left */
		{ 0xff52, 103 }, /* Up */          { 0xff53, 106 }, /* Right */
		{ 0xff54, 108 }, /* Down */        { 0xff55, 104 }, /* Prior */
		{ 0xff56, 109 }, /* Next */        { 0xff57, 107 }, /* End */
		{ 0xff61, 99 },  /* Print */       { 0xff63, 110 }, /* Insert */
		{ 0xff67, 127 }, /* Menu */        { 0xff7f, 69 },  /* Num_Lock */
		{ 0xff8d, 96 },  /* KP_Enter */    { 0xffaa, 55 },  /* KP_Multiply */
		{ 0xffab, 78 },  /* KP_Add */      { 0xffad, 74 },  /* KP_Subtract */
		{ 0xffae, 83 },  /* KP_Decimal */  { 0xffaf, 98 },  /* KP_Divide */
		{ 0xffb0, 82 },  /* KP_0 */        { 0xffb1, 79 },  { 0xffb2, 80 }, { 0xffb3, 81 },
		{ 0xffb4, 75 },  { 0xffb5, 76 },   { 0xffb6, 77 },  { 0xffb7, 71 }, { 0xffb8, 72 },
		{ 0xffb9, 73 },  /* KP_9 */
		{ 0xffbe, 59 },  /* F1 */ { 0xffbf, 60 }, { 0xffc0, 61 }, { 0xffc1, 62 }, { 0xffc2, 63 },
		{ 0xffc3, 64 },  { 0xffc4, 65 }, { 0xffc5, 66 }, { 0xffc6, 67 }, { 0xffc7, 68 },
		{ 0xffc8, 87 },  /* F11 */ { 0xffc9, 88 },  /* F12 */
		{ 0xffe1, 42 },  /* Shift_L */     { 0xffe2, 54 },  /* Shift_R */
		{ 0xffe3, 29 },  /* Control_L */   { 0xffe4, 97 },  /* Control_R */
		{ 0xffe5, 58 },  /* Caps_Lock */   { 0xffe7, 125 }, /* Meta_L */
		{ 0xffe8, 126 }, /* Meta_R */      { 0xffe9, 56 },  /* Alt_L */
		{ 0xffea, 100 }, /* Alt_R */       { 0xffeb, 125 }, /* Super_L */
		{ 0xffec, 126 }, /* Super_R */     { 0xfe03, 100 }, /* ISO_Level3_Shift (AltGr) */
		{ 0xffff, 111 }, /* Delete */
	};

	/* the US key of each printable ASCII character, from ' ' (0x20) to '~' (0x7e) */
	constexpr uint8_t ascii_keys[95] = {
		57, 2, 40, 4, 5, 6, 8, 40, 10, 11, 9, 13, 51, 12, 52, 53,   /*  !"#$%&'()*+,-./ */
		11, 2, 3, 4, 5, 6, 7, 8, 9, 10,                              /* 0-9 */
		39, 39, 51, 13, 52, 53, 3,                                   /* :;<=>?@ */
		30, 48, 46, 32, 18, 33, 34, 35, 23, 36, 37, 38, 50,          /* A-M */
		49, 24, 25, 16, 19, 31, 20, 22, 47, 17, 45, 21, 44,          /* N-Z */
		26, 43, 27, 7, 12, 41,                                       /* [\]^_` */
		30, 48, 46, 32, 18, 33, 34, 35, 23, 36, 37, 38, 50,          /* a-m */
		49, 24, 25, 16, 19, 31, 20, 22, 47, 17, 45, 21, 44,          /* n-z */
		26, 43, 27, 41,                                              /* {|}~ */
	};

	/* XT scan codes with the 0xe0 prefix, as QEMU encodes them (0x80 | second byte) */
	constexpr Mapping extended_xt[] = {
		{ 0x9c, 96 },  /* KP_Enter */ { 0x9d, 97 },  /* RightCtrl */ { 0xb5, 98 },  /* KP_Divide */
		{ 0xb7, 99 },  /* SysRq */    { 0xb8, 100 }, /* RightAlt */  { 0xc7, 102 }, /* Home */
		{ 0xc8, 103 }, /* Up */       { 0xc9, 104 }, /* PageUp */    { 0xcb, 105 }, /* Left */
		{ 0xcd, 106 }, /* Right */    { 0xcf, 107 }, /* End */       { 0xd0, 108 }, /* Down */
		{ 0xd1, 109 }, /* PageDown */ { 0xd2, 110 }, /* Insert */    { 0xd3, 111 }, /* Delete */
		{ 0xdb, 125 }, /* LeftMeta */ { 0xdc, 126 }, /* RightMeta */ { 0xdd, 127 }, /* Compose */
	};
}


uint32_t Vnc::evdev_from_keysym(uint32_t keysym)
{
	if (keysym >= 0x20 && keysym <= 0x7e) return ascii_keys[keysym - 0x20];
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
