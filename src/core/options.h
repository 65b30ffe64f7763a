/*
 * Command line of 'nestbox'
 */
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace Core {

struct Options
{
	enum class Command { RUN, HELP, VERSION };

	Command                  command = Command::HELP;
	std::vector<std::string> rom_dirs { };      /* searched in order, before the defaults */
	std::string              report_dir { };
	std::optional<std::string> until { };       /* ECMAScript regex over log lines */
	std::optional<double>    timeout_s { };
	bool                     sealed    = true;
	uint64_t                 init_ram  = 1ull << 30;
	uint64_t                 init_caps = 20000;
	std::string              config_path { };
	std::string              bin_dir { };       /* where 'nestbox' itself lives */
};

/* Parses argv; on a usage error prints it to stderr and returns nullopt */
std::optional<Options> parse_options(int argc, char **argv);

void print_help(char const *prog);

} /* namespace Core */
