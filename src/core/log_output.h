/*
 * Core's standard output: every log line of the system passes here
 *
 * Lines appear as "[label] text". A line that matches the --until pattern
 * tells 'Main' that the run reached its goal.
 */
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <string_view>

namespace Core {

struct Until_reached
{
	virtual void until_reached() = 0;
	virtual ~Until_reached() = default;
};

class Log_output
{
	private:

		std::optional<std::regex> _until;
		Until_reached            &_reached;
		bool                      _matched = false;

		void _emit(std::string const &line);

	public:

		Log_output(std::optional<std::string> const &until, Until_reached &reached)
		: _reached(reached)
		{
			if (until) _until.emplace(*until, std::regex::ECMAScript);
		}

		/* One log line of a labelled source; embedded newlines become separate lines */
		void write(std::string_view label, std::string_view text);

		/* A line of core itself (no label) */
		void core_line(std::string_view text);
};

} /* namespace Core */
