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

/* A session request of a start node and where init would send it */
struct Session_route
{
	enum class Target { NONE, INIT, PARENT, CHILD };

	std::string client, service, label;
	Target      target = Target::NONE;   /* NONE: it does not route */
	std::string server { };              /* Target::CHILD: the serving start node */
	bool        optional = false;        /* a failure to route it is only a warning */
};

struct Findings
{
	std::vector<Diagnostic>    diagnostics { };   /* every problem, in no particular order */
	std::vector<Session_route> routes { };        /* in the order of the start nodes */
};

Findings check_system(System const &);

} /* namespace Check */
