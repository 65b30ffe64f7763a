/*
 * Key names and the <global-key> config
 */

#include <cstdlib>
#include <string>

#include <linux/input-event-codes.h>

#include <nestbox/log.h>

#include "global_keys.h"

using namespace Gui_server;

namespace {

	struct Named_key { char const *name; uint32_t code; };

	#define NAMED(k) { #k, k }

	/* the keys a global shortcut is likely to use; any other by number */
	constexpr Named_key named_keys[] = {
		NAMED(KEY_ESC), NAMED(KEY_TAB), NAMED(KEY_ENTER), NAMED(KEY_SPACE), NAMED(KEY_BACKSPACE),
		NAMED(KEY_LEFTCTRL), NAMED(KEY_RIGHTCTRL), NAMED(KEY_LEFTSHIFT), NAMED(KEY_RIGHTSHIFT),
		NAMED(KEY_LEFTALT), NAMED(KEY_RIGHTALT), NAMED(KEY_LEFTMETA), NAMED(KEY_RIGHTMETA),
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
		NAMED(BTN_LEFT), NAMED(BTN_RIGHT), NAMED(BTN_MIDDLE),
	};

	#undef NAMED
}


std::optional<uint32_t> Gui_server::key_code(std::string_view name)
{
	for (Named_key const &k : named_keys)
		if (name == k.name) return k.code;

	std::string const s(name);
	char *end = nullptr;
	unsigned long const code = std::strtoul(s.c_str(), &end, 0);
	if (s.empty() || *end || code >= KEY_COUNT) return std::nullopt;
	return uint32_t(code);
}


Global_keys::Global_keys(pugi::xml_node config)
{
	for (pugi::xml_node node : config.children("global-key")) {
		std::string_view const name = node.attribute("name").value();
		auto const code = key_code(name);
		if (!code) {
			warning("<global-key> with unknown key name \"", name, "\" ignored");
			continue;
		}
		_entries.push_back({ *code, node.attribute("label").value() });
	}
}
