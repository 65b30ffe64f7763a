/*
 * Key names and the US layout, over the kernel's table of codes
 */

#include <nestbox/input/keys.h>

#include <cstdlib>
#include <string>

#include <linux/input-event-codes.h>

using namespace nestbox;

static_assert(Input::KEY_COUNT == KEY_CNT, "KEY_COUNT must be the kernel's KEY_CNT");

namespace {

	struct Named_key { std::string_view name; uint32_t code; };

	#define NAMED(k) { #k, k }

	/* the keys and buttons a config is likely to name; any other by number */
	constexpr Named_key named_keys[] = {
		NAMED(KEY_ESC), NAMED(KEY_TAB), NAMED(KEY_ENTER), NAMED(KEY_SPACE), NAMED(KEY_BACKSPACE),
		NAMED(KEY_LEFTCTRL), NAMED(KEY_RIGHTCTRL), NAMED(KEY_LEFTSHIFT), NAMED(KEY_RIGHTSHIFT),
		NAMED(KEY_LEFTALT), NAMED(KEY_RIGHTALT), NAMED(KEY_LEFTMETA), NAMED(KEY_RIGHTMETA),
		NAMED(KEY_CAPSLOCK), NAMED(KEY_NUMLOCK), NAMED(KEY_COMPOSE),
		NAMED(KEY_F1), NAMED(KEY_F2), NAMED(KEY_F3), NAMED(KEY_F4), NAMED(KEY_F5), NAMED(KEY_F6),
		NAMED(KEY_F7), NAMED(KEY_F8), NAMED(KEY_F9), NAMED(KEY_F10), NAMED(KEY_F11), NAMED(KEY_F12),
		NAMED(KEY_SCROLLLOCK), NAMED(KEY_PAUSE), NAMED(KEY_PRINT), NAMED(KEY_SYSRQ),
		NAMED(KEY_HOME), NAMED(KEY_END), NAMED(KEY_PAGEUP), NAMED(KEY_PAGEDOWN),
		NAMED(KEY_INSERT), NAMED(KEY_DELETE),
		NAMED(KEY_UP), NAMED(KEY_DOWN), NAMED(KEY_LEFT), NAMED(KEY_RIGHT),
		NAMED(KEY_A), NAMED(KEY_B), NAMED(KEY_C), NAMED(KEY_D), NAMED(KEY_E), NAMED(KEY_F),
		NAMED(KEY_G), NAMED(KEY_H), NAMED(KEY_I), NAMED(KEY_J), NAMED(KEY_K), NAMED(KEY_L),
		NAMED(KEY_M), NAMED(KEY_N), NAMED(KEY_O), NAMED(KEY_P), NAMED(KEY_Q), NAMED(KEY_R),
		NAMED(KEY_S), NAMED(KEY_T), NAMED(KEY_U), NAMED(KEY_V), NAMED(KEY_W), NAMED(KEY_X),
		NAMED(KEY_Y), NAMED(KEY_Z),
		NAMED(KEY_0), NAMED(KEY_1), NAMED(KEY_2), NAMED(KEY_3), NAMED(KEY_4),
		NAMED(KEY_5), NAMED(KEY_6), NAMED(KEY_7), NAMED(KEY_8), NAMED(KEY_9),
		NAMED(KEY_MINUS), NAMED(KEY_EQUAL), NAMED(KEY_LEFTBRACE), NAMED(KEY_RIGHTBRACE),
		NAMED(KEY_SEMICOLON), NAMED(KEY_APOSTROPHE), NAMED(KEY_GRAVE), NAMED(KEY_BACKSLASH),
		NAMED(KEY_COMMA), NAMED(KEY_DOT), NAMED(KEY_SLASH),
		NAMED(BTN_LEFT), NAMED(BTN_RIGHT), NAMED(BTN_MIDDLE), NAMED(BTN_SIDE), NAMED(BTN_EXTRA),
		NAMED(BTN_TOUCH),
	};

	#undef NAMED

	/*
	 * The US layout of the codes KEY_1 (2) to KEY_SLASH (53), unshifted and
	 * shifted; '\0' where a key types nothing
	 */
	constexpr uint32_t FIRST_CHARACTER_KEY = KEY_1, LAST_CHARACTER_KEY = KEY_SLASH;
	constexpr std::string_view US_PLAIN {
		"1234567890-=\0\0qwertyuiop[]\0\0asdfghjkl;'`\0\\zxcvbnm,./", 52 };
	constexpr std::string_view US_SHIFT {
		"!@#$%^&*()_+\0\0QWERTYUIOP{}\0\0ASDFGHJKL:\"~\0|ZXCVBNM<>?", 52 };

	static_assert(US_PLAIN.size() == LAST_CHARACTER_KEY - FIRST_CHARACTER_KEY + 1);
	static_assert(US_SHIFT.size() == US_PLAIN.size());
}


std::optional<uint32_t> Input::key_code(std::string_view name)
{
	for (Named_key const &k : named_keys)
		if (name == k.name) return k.code;

	std::string const s(name);
	char *end = nullptr;
	unsigned long const code = std::strtoul(s.c_str(), &end, 0);
	if (s.empty() || *end || code >= KEY_COUNT) return std::nullopt;
	return uint32_t(code);
}


std::string_view Input::key_name(uint32_t code)
{
	for (Named_key const &k : named_keys)
		if (code == k.code) return k.name;
	return { };
}


char32_t Input::us_character(uint32_t code, bool shift)
{
	if (code == KEY_SPACE) return U' ';
	if (code < FIRST_CHARACTER_KEY || code > LAST_CHARACTER_KEY) return 0;
	return char32_t((shift ? US_SHIFT : US_PLAIN)[code - FIRST_CHARACTER_KEY]);
}


std::optional<Input::Us_key> Input::us_key(char32_t c)
{
	if (c == U' ')  return Us_key { KEY_SPACE, false };
	if (c == U'\n') return Us_key { KEY_ENTER, false };
	if (c == U'\t') return Us_key { KEY_TAB,   false };
	if (c < 0x21 || c > 0x7e) return std::nullopt;

	for (bool const shift : { false, true }) {
		size_t const i = (shift ? US_SHIFT : US_PLAIN).find(char(c));
		if (i != std::string_view::npos) return Us_key { uint32_t(FIRST_CHARACTER_KEY + i), shift };
	}
	return std::nullopt;
}
