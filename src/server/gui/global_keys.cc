/*
 * The <global-key> config
 */

#include "global_keys.h"

#include <nestbox/log.h>

using namespace Gui_server;

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
