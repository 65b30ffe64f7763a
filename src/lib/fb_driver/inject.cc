/*
 * Input events described in the config's <inject> node
 *
 * Key codes are Linux evdev codes (linux/input-event-codes.h). <text>
 * types what a US keyboard would send for letters, digits and spaces, so a
 * client that maps key codes itself sees the same as from a real keyboard.
 */

#include <cstdlib>
#include <optional>
#include <string_view>

#include <nestbox/log.h>

#include <nestbox/fb_driver/inject.h>

using namespace nestbox;
using Input::Event;

namespace {

	enum : uint32_t {
		KEY_MAX = 0x2ff, KEY_ENTER = 28, KEY_LEFTSHIFT = 42, KEY_SPACE = 57,
		BTN_LEFT = 0x110, BTN_RIGHT = 0x111, BTN_MIDDLE = 0x112,
	};

	/* a number, or one of the button names a test is most likely to want */
	std::optional<uint32_t> key_code(pugi::xml_node node)
	{
		std::string_view const v = node.attribute("code").value();
		if (v == "BTN_LEFT")   return BTN_LEFT;
		if (v == "BTN_RIGHT")  return BTN_RIGHT;
		if (v == "BTN_MIDDLE") return BTN_MIDDLE;

		std::string const s(v);
		char *end = nullptr;
		unsigned long const code = std::strtoul(s.c_str(), &end, 0);
		if (s.empty() || *end || code > KEY_MAX) return std::nullopt;
		return uint32_t(code);
	}

	/* the evdev code of a character on a US keyboard, and whether it needs shift */
	struct Key { uint32_t code; bool shift; };

	std::optional<Key> key_for(char c)
	{
		static char const row_q[] = "qwertyuiop";   /* KEY_Q = 16 … */
		static char const row_a[] = "asdfghjkl";    /* KEY_A = 30 … */
		static char const row_z[] = "zxcvbnm";      /* KEY_Z = 44 … */

		bool const upper = (c >= 'A' && c <= 'Z');
		char const lower = upper ? char(c - 'A' + 'a') : c;

		for (uint32_t i = 0; row_q[i]; i++) if (row_q[i] == lower) return Key { 16 + i, upper };
		for (uint32_t i = 0; row_a[i]; i++) if (row_a[i] == lower) return Key { 30 + i, upper };
		for (uint32_t i = 0; row_z[i]; i++) if (row_z[i] == lower) return Key { 44 + i, upper };

		if (c >= '1' && c <= '9') return Key { uint32_t(2 + c - '1'), false };   /* KEY_1 = 2 */
		if (c == '0')  return Key { 11, false };
		if (c == ' ')  return Key { KEY_SPACE, false };
		if (c == '\n') return Key { KEY_ENTER, false };
		return std::nullopt;
	}

	Event press(uint32_t code, uint32_t unicode = 0) { return Event { Event::PRESS,   code, 0, 0, unicode }; }
	Event release(uint32_t code)                     { return Event { Event::RELEASE, code, 0, 0, 0 }; }

	Event at(Event::Type type, pugi::xml_node node, uint32_t code = 0)
	{
		return Event { type, code, node.attribute("x").as_int(0), node.attribute("y").as_int(0), 0 };
	}

	void add_text(std::vector<Event> &out, std::string_view text)
	{
		for (char const c : text) {
			auto key = key_for(c);
			if (!key) {
				warning("inject: no key for character ", unsigned((unsigned char)c), ", skipped");
				continue;
			}
			if (key->shift) out.push_back(press(KEY_LEFTSHIFT));
			out.push_back(press(key->code, uint32_t((unsigned char)c)));
			out.push_back(release(key->code));
			if (key->shift) out.push_back(release(KEY_LEFTSHIFT));
		}
	}
}


std::vector<Event> Fb_driver::events_from_config(pugi::xml_node inject)
{
	std::vector<Event> out;

	for (pugi::xml_node node : inject.children()) {
		if (node.type() != pugi::node_element) continue;
		std::string_view const type = node.name();

		if (type == "motion")        { out.push_back(at(Event::ABS_MOTION, node)); continue; }
		if (type == "rel_motion")    { out.push_back(at(Event::REL_MOTION, node)); continue; }
		if (type == "wheel")         { out.push_back(at(Event::WHEEL, node));      continue; }
		if (type == "focus_enter")   { out.push_back(Event { Event::FOCUS_ENTER, 0, 0, 0, 0 }); continue; }
		if (type == "focus_leave")   { out.push_back(Event { Event::FOCUS_LEAVE, 0, 0, 0, 0 }); continue; }
		if (type == "hover_leave")   { out.push_back(Event { Event::HOVER_LEAVE, 0, 0, 0, 0 }); continue; }
		if (type == "text")          { add_text(out, node.attribute("string").value()); continue; }

		if (type == "touch" || type == "touch_release") {
			uint32_t const finger = node.attribute("id").as_uint(0);
			if (type == "touch") out.push_back(at(Event::TOUCH, node, finger));
			else                 out.push_back(Event { Event::TOUCH_RELEASE, finger, 0, 0, 0 });
			continue;
		}

		if (type == "press" || type == "release" || type == "key") {
			auto code = key_code(node);
			if (!code) {
				warning("inject: <", type, "> without a valid code, skipped");
				continue;
			}
			uint32_t const unicode = node.attribute("unicode").as_uint(0);
			if (type != "release") out.push_back(press(*code, unicode));
			if (type != "press")   out.push_back(release(*code));
			continue;
		}

		warning("inject: unknown event <", type, ">, skipped");
	}
	return out;
}
