/*
 * Checking a config file before anything runs
 */

#include <nestbox/init/config_check.h>

#include <fstream>
#include <sstream>

#include <nestbox/init/config_model.h>

std::pair<unsigned, unsigned> Init::line_column(std::string_view text, size_t offset)
{
	unsigned line = 1, column = 1;
	for (size_t i = 0; i < offset && i < text.size(); i++) {
		if (text[i] == '\n') { line++; column = 1; }
		else column++;
	}
	return { line, column };
}


std::optional<std::string> Init::check_config_file(std::string const &path)
{
	std::ifstream in(path, std::ios::binary);
	if (!in) return path + ": cannot read config file";
	std::stringstream ss;
	ss << in.rdbuf();
	std::string const text = ss.str();

	/* the same parser init uses, so that what passes here is what init runs */
	Init::Config_error problem { };
	if (!Init::parse_config(text, problem)) {
		/* pugixml points at a node's name; point at its '<' */
		if (problem.offset > 0 && problem.offset < text.size() && text[problem.offset - 1] == '<')
			problem.offset--;
		auto [line, column] = line_column(text, problem.offset);
		return path + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + problem.message;
	}
	return std::nullopt;
}
