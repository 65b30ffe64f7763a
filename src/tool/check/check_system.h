/*
 * 'nestbox check': the checks of a parsed config against its binaries
 */
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nestbox/init/config_model.h>

namespace Check {

struct Diagnostic
{
	enum class Severity { ERROR, WARNING };

	Severity    severity;
	size_t      offset;    /* into the config text: the node it is about */
	std::string message;
};

/* Where the nodes that diagnostics are about lie in the config text */
struct Node_offsets
{
	size_t                        config = 0;
	std::map<std::string, size_t> starts { };     /* by start name */
	std::vector<size_t>           services { };   /* <service> exports, in order */
};

struct System
{
	Init::Config_model const &model;
	Node_offsets const       &offsets;
	std::vector<std::string>  rom_dirs;     /* searched in order, as by 'nestbox run' */
	uint64_t                  init_ram;
	uint64_t                  init_caps;
};

/* every problem found, in no particular order */
std::vector<Diagnostic> check_system(System const &);

} /* namespace Check */
