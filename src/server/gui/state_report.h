/*
 * A report of the server's state ("hover", "focus") that is opened only
 * when the config asks for it and never takes the server down
 *
 * nestbox::Reporter's connection ends a component whose report is denied;
 * for the gui a missing Report route must cost the report, not the screen.
 */
#pragma once

#include <cstring>
#include <memory>
#include <string>

#include <nestbox/base/dataspace.h>
#include <nestbox/report.h>

#include "view_owner.h"

namespace Gui_server {

	class State_report;

	/* '<hover label="…" domain="…"/>', or '<hover/>' for nobody */
	inline std::string state_node(char const *type, View_owner const *s)
	{
		auto escaped = [] (std::string_view text) {
			std::string out;
			for (char c : text) {
				switch (c) {
				case '&': out += "&amp;";  break;
				case '<': out += "&lt;";   break;
				case '>': out += "&gt;";   break;
				case '"': out += "&quot;"; break;
				default:  out += c;
				}
			}
			return out;
		};
		if (!s) return concat("<", type, "/>");
		return concat("<", type, " label=\"", escaped(s->label()), "\" domain=\"",
		              escaped(s->domain() ? s->domain()->name : ""), "\"/>");
	}
}


class Gui_server::State_report
{
	private:

		std::unique_ptr<Report::Connection> _report { };
		Attached_dataspace                  _buffer { };
		std::string                         _last   { };

		enum : size_t { SIZE = 4096 };

	public:

		State_report(Env &env, std::string_view name)
		{
			std::string const args = "buffer_size=" + std::to_string(SIZE) + ", ram_quota=" + std::to_string(SIZE);
			auto report = Report::Connection::open(env, name, args);
			if (!report) {
				warning("no \"", name, "\" report: ", error_name(report.error()));
				return;
			}
			auto ds = (*report)->dataspace();
			if (!ds) return;
			_buffer = Attached_dataspace(std::move(*ds));
			if (_buffer.valid()) _report = std::move(*report);
		}

		/* Publish 'text' unless it is what was reported last */
		void report(std::string const &text)
		{
			if (!_report || text == _last || text.size() > _buffer.size()) return;
			std::memcpy(_buffer.local_addr(), text.data(), text.size());
			if (_report->submit(text.size())) _last = text;
		}
};
