/*
 * What 'nestbox check' needs to know of a binary: is it an executable, and
 * what does its ".nestbox_manifest" section say
 */
#pragma once

#include <optional>
#include <string>

namespace Check {

struct Elf_info
{
	std::optional<std::string> problem { };    /* set: not a usable executable */
	std::optional<std::string> manifest { };   /* the section's text, if any */
};

Elf_info read_elf(std::string const &path);

} /* namespace Check */
