/*
 * Well-formedness of a config file, reported as FILE:LINE:COLUMN: message
 */
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace Init {

/*
 * Read a whole config file into 'text'; on failure, the message to print
 * ("PATH: cannot read config file: Is a directory")
 */
std::optional<std::string> read_config_file(std::string const &path, std::string &text);

/* nullopt if 'path' holds a well-formed <config>; else the message to print */
std::optional<std::string> check_config_file(std::string const &path);

/* 1-based line and column of a byte offset in 'text' */
std::pair<unsigned, unsigned> line_column(std::string_view text, size_t offset);

} /* namespace Init */
