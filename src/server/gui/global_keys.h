/*
 * Global keys: key sequences that go to one client whatever has the focus
 *
 *   <global-key name="KEY_F1" label="launcher"/>
 *
 * The first <global-key> for a key whose client exists wins, so a config
 * can name a fallback after the preferred receiver (as in nitpicker).
 */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include <nestbox/input/keys.h>

#include "view_owner.h"

namespace Gui_server {

	class Global_keys;

	/* key names ("KEY_F1", "BTN_LEFT") or numbers, and the number of codes: libnestbox's */
	using nestbox::Input::key_code;
	using nestbox::Input::KEY_COUNT;
}


class Gui_server::Global_keys
{
	private:

		struct Entry { uint32_t code; std::string label; };

		std::vector<Entry> _entries { };

	public:

		Global_keys() { }
		explicit Global_keys(pugi::xml_node config);

		/* The receiver of a sequence started by 'code': 'lookup(label)' finds a session */
		template <typename LOOKUP>
		View_owner *receiver(uint32_t code, LOOKUP const &lookup) const
		{
			for (Entry const &e : _entries)
				if (e.code == code)
					if (View_owner *s = lookup(std::string_view(e.label)))
						return s;
			return nullptr;
		}

		size_t size() const { return _entries.size(); }
};
