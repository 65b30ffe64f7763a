/*
 * Input events described in the config's <inject> node
 *
 * Key codes are Linux evdev codes (linux/input-event-codes.h), given as
 * numbers or names (libnestbox's key-name table). <text> types what a US
 * keyboard would send, shift included, so a client that maps key codes
 * itself sees the same as from a real keyboard.
 */

#include <string_view>

#include <linux/input-event-codes.h>

#include <nestbox/input/keys.h>
#include <nestbox/log.h>

#include <nestbox/fb_driver/inject.h>

using namespace nestbox;
using Input::Event;

namespace {

	Event press(uint32_t code, uint32_t unicode = 0) { return Event { Event::PRESS,   code, 0, 0, unicode }; }
	Event release(uint32_t code)                     { return Event { Event::RELEASE, code, 0, 0, 0 }; }

	Event at(Event::Type type, pugi::xml_node node, uint32_t code = 0)
	{
		return Event { type, code, node.attribute("x").as_int(0), node.attribute("y").as_int(0), 0 };
	}

	void add_text(std::vector<Event> &out, std::string_view text)
	{
		for (char const c : text) {
			auto key = Input::us_key(char32_t((unsigned char)c));
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
			auto code = Input::key_code(node.attribute("code").value());
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
