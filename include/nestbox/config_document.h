/*
 * A component's config ROM, parsed
 *
 * Like Genode's config ROM: content that is no XML (or nested deeper than
 * MAX_XML_DEPTH levels) counts as an empty <config/> (and says so in the log), and unchanged content is not parsed
 * again, so a handler can call 'update' on every signal.
 */
#pragma once

#include <optional>
#include <string>

#include <pugixml.hpp>

#include <nestbox/attached_rom.h>
#include <nestbox/log.h>
#include <nestbox/util/xml_depth.h>

namespace nestbox {

class Config_document
{
	private:

		Attached_rom               _rom;
		pugi::xml_document         _doc { };
		std::optional<std::string> _applied { };   /* the text '_doc' was parsed from */

	public:

		Config_document(Env &env) : _rom(env, "config") { _doc.append_child("config"); }

		void sigh(Signal_context_capability &&cap) { _rom.sigh(std::move(cap)); }

		/* Fetch the current content; false if it is what was parsed last */
		bool update(std::string_view fallback_note = "defaults apply")
		{
			_rom.update();
			std::string_view const text = _rom.text();
			if (_applied && *_applied == text) return false;
			_applied = std::string(text);

			pugi::xml_parse_result const parsed =
				_doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
			bool const deep = parsed && too_deep(_doc.document_element());
			if (!parsed || !_doc.document_element() || deep) {
				if (deep)
					error("malformed config (nested deeper than ", unsigned(MAX_XML_DEPTH),
					      " levels), ", fallback_note);
				else if (text.find_first_not_of(" \t\r\n") != std::string_view::npos)
					error("malformed config (", parsed.description(), "), ", fallback_note);
				_doc.reset();
				_doc.append_child("config");
			}
			return true;
		}

		pugi::xml_node node() const { return _doc.document_element(); }
};

} /* namespace nestbox */
