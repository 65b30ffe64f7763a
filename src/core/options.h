/*
 * Command line of 'nestbox run'
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
	bool                     seccomp_audit = false;   /* log forbidden calls, let them go on */
	bool                     check     = true;  /* refuse a config with check's errors */
	bool                     keep_running = false;   /* run on when init is idle */
	uint64_t                 init_ram  = 1ull << 30;
	uint64_t                 init_caps = 20000;
	std::string              config_path { };
	std::string              bin_dir { };       /* where 'nestbox' itself lives */
};

/*
 * Parses 'nestbox run …' (argv[1] is "run"); on a usage error prints it to
 * stderr and returns nullopt
 */
std::optional<Options> parse_options(int argc, char **argv);

/* The ROM directories of a run, in the order they are searched */
std::vector<std::string> rom_dirs(Options const &);

void print_help(char const *prog);

} /* namespace Core */
