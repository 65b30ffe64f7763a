/*
 * A ROM module of XML, parsed: a component's config, or a report served as ROM
 *
 * Like Genode's config ROM: content that is no XML (or nested deeper than
 * MAX_XML_DEPTH levels) counts as an empty document (<config/> for the
 * config, report_rom's <empty/> for a report) and says so in the log, and unchanged content is not parsed
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

class Xml_rom
{
	private:

		Attached_rom               _rom;
		std::string const          _what;   /* for the log: "config", "ROM window_layout" */
		char const         * const _empty;  /* the root that stands for malformed content */
		pugi::xml_document         _doc { };
		std::optional<std::string> _applied { };   /* the text '_doc' was parsed from */

	public:

		Xml_rom(Env &env, char const *name, char const *empty_root, std::string what)
		: _rom(env, name), _what(std::move(what)), _empty(empty_root) { _doc.append_child(_empty); }

		/* A report served as ROM: malformed or missing content reads as report_rom's <empty/> */
		Xml_rom(Env &env, char const *name) : Xml_rom(env, name, "empty", std::string("ROM ") + name) { }

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
					error("malformed ", _what, " (nested deeper than ", unsigned(MAX_XML_DEPTH),
					      " levels), ", fallback_note);
				else if (text.find_first_not_of(" \t\r\n") != std::string_view::npos)
					error("malformed ", _what, " (", parsed.description(), "), ", fallback_note);
				_doc.reset();
				_doc.append_child(_empty);
			}
			return true;
		}

		pugi::xml_node node() const { return _doc.document_element(); }

		/* The top-level node named 'root': a null node where the content has another one (report_rom's <empty/>) */
		pugi::xml_node node(char const *root) const { return _doc.child(root); }

		/* 'update', then 'node(root)': what a ROM's signal handler reads */
		pugi::xml_node latest(char const *root) { update(); return node(root); }
};


struct Config_document : Xml_rom
{
	Config_document(Env &env) : Xml_rom(env, "config", "config", "config") { }
};

} /* namespace nestbox */
