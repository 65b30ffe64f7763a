/*
 * Well-formedness of a config file, reported as FILE:LINE:COLUMN: message
 */
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace Init {

/* nullopt if 'path' holds a well-formed <config>; else the message to print */
std::optional<std::string> check_config_file(std::string const &path);

/* 1-based line and column of a byte offset in 'text' */
std::pair<unsigned, unsigned> line_column(std::string_view text, size_t offset);

} /* namespace Init */
