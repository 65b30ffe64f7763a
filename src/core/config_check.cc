/*
 * Well-formedness of a config file
 */

#include "config_check.h"

#include <fstream>
#include <pugixml.hpp>
#include <sstream>

std::pair<unsigned, unsigned> Core::line_column(std::string_view text, size_t offset)
{
	unsigned line = 1, column = 1;
	for (size_t i = 0; i < offset && i < text.size(); i++) {
		if (text[i] == '\n') { line++; column = 1; }
		else column++;
	}
	return { line, column };
}


std::optional<std::string> Core::check_config_file(std::string const &path)
{
	std::ifstream in(path, std::ios::binary);
	if (!in) return path + ": cannot read config file";
	std::stringstream ss;
	ss << in.rdbuf();
	std::string const text = ss.str();

	pugi::xml_document doc;
	pugi::xml_parse_result const result = doc.load_buffer(text.data(), text.size());
	if (!result) {
		auto [line, column] = line_column(text, size_t(result.offset));
		return path + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + result.description();
	}
	if (std::string_view(doc.document_element().name()) != "config")
		return path + ":1:1: the top-level node must be <config>, not <" + doc.document_element().name() + ">";
	return std::nullopt;
}
