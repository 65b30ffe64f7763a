/*
 * Command line of 'nestbox run'
 */

#include "options.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <getopt.h>
#include <regex>
#include <unistd.h>

#include <nestbox/cli/command_line.h>
#include <nestbox/util/arg_string.h>

using namespace Core;

void Core::print_help(char const *prog)
{
	std::printf(
"Usage: %s run [OPTIONS] CONFIG.xml\n"
"       %s check [OPTIONS] CONFIG.xml    (see '%s check --help')\n"
"       %s test [OPTIONS] SCENARIO.xml   (see '%s test --help')\n"
"       %s --help | --version\n"
"\n"
"Starts a nestbox system: core provides its services (LOG, ROM, PD, CPU,\n"
"Timer, Report) and starts 'init' with CONFIG.xml as its config. init starts\n"
"the components of the config and routes their session requests.\n"
"\n"
"Before it starts anything, 'run' checks the config as 'nestbox check' does,\n"
"with the same ROM directories, and refuses a config with errors (a binary in\n"
"none of the ROM directories, a session that cannot be routed, ...): it prints\n"
"them and exits with 2. Warnings do not stop a run. Only the config at the\n"
"start is checked; later changes of the config file are init's business.\n"
"\n"
"The run ends by itself once init has nothing left to do: every child has\n"
"exited (or is incomplete) and none can start until the config changes; a\n"
"config without start nodes ends at once. --keep-running waits instead.\n"
"\n"
"Options of 'run' (as '--opt VALUE' or '--opt=VALUE'):\n"
"  --rom-dir DIR      also serve ROM modules (binaries, files) from DIR; may be\n"
"                     given more than once; searched before the defaults, which\n"
"                     are the config's directory and the directory of nestbox\n"
"  --report-dir DIR   write reports there; a report labelled \"init -> state\"\n"
"                     becomes DIR/init/state (written atomically). Without it,\n"
"                     reports are accepted and discarded.\n"
"  --until REGEX      exit 0 as soon as a log line matches REGEX (ECMAScript\n"
"                     syntax, searched anywhere in the line '[label] text')\n"
"  --timeout SECONDS  give up after SECONDS: exit 1 with a message\n"
"  --ram SIZE         RAM quota of init (default 1G; suffixes K, M, G)\n"
"  --caps N           capability quota of init (default 20000)\n"
"  --no-check         start the config even if the check finds errors: init\n"
"                     then leaves the children it cannot start incomplete\n"
"  --keep-running     do not end the run when init is idle: wait for a change\n"
"                     of the config file, --until, --timeout or a signal\n"
"  --unsealed         UNSAFE: run components without namespaces, seccomp\n"
"                     filter and dropped privileges, so that gdb, strace and\n"
"                     valgrind can be used on them (docs/SECURITY.md)\n"
"  --seccomp-audit    UNSAFE: a system call the seccomp filter refuses is logged\n"
"                     (component, call, arguments; once per component and\n"
"                     call) and then allowed instead of stopping the component;\n"
"                     for finding what a component really needs\n"
"                     (docs/SECURITY.md). NESTBOX_SECCOMP_AUDIT=1 in the\n"
"                     environment does the same\n"
"  -h, --help         print this help\n"
"  --version          print the version of nestbox\n"
"\n"
"Exit status:\n"
"  0  --until matched; or init became idle and every child had exited with 0;\n"
"     or init exited with 0; or SIGINT/SIGTERM ended the run\n"
"  1  --timeout expired; or init became idle and a child had exited with a\n"
"     non-zero value, was killed or stayed incomplete; or init exited with a\n"
"     non-zero value\n"
"  2  usage error, malformed config (reported as FILE:LINE:COLUMN: message) or\n"
"     a config with errors (not started)\n"
"\n"
"However the run ends, every component process is killed and reaped first:\n"
"no process and no shared memory of the run outlives it.\n",
	prog, prog, prog, prog, prog, prog);
}


std::vector<std::string> Core::rom_dirs(Options const &o)
{
	std::vector<std::string> dirs = o.rom_dirs;
	dirs.push_back(std::filesystem::absolute(o.config_path).parent_path().string());
	dirs.push_back(o.bin_dir);
	return dirs;
}


std::optional<Options> Core::parse_options(int argc, char **argv)
{
	Options o;
	Cli::Command_line const command_line("run", argc, argv);

	std::error_code ec;
	auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
	o.bin_dir = ec ? "." : self.parent_path().string();
	o.command = Options::Command::RUN;

	/* so that a test runner can audit every run it starts (scripts/seccomp-audit) */
	if (char const *audit = std::getenv("NESTBOX_SECCOMP_AUDIT"); audit && std::strcmp(audit, "1") == 0)
		o.seccomp_audit = true;

	enum { ROM_DIR = 256, REPORT_DIR, UNTIL, TIMEOUT, RAM, CAPS, UNSEALED, SECCOMP_AUDIT, NO_CHECK, KEEP_RUNNING, VERSION };
	static option const long_options[] = {
		{ "rom-dir",      required_argument, nullptr, ROM_DIR },
		{ "report-dir",   required_argument, nullptr, REPORT_DIR },
		{ "until",        required_argument, nullptr, UNTIL },
		{ "timeout",      required_argument, nullptr, TIMEOUT },
		{ "ram",          required_argument, nullptr, RAM },
		{ "caps",         required_argument, nullptr, CAPS },
		{ "unsealed",     no_argument,       nullptr, UNSEALED },
		{ "seccomp-audit", no_argument,      nullptr, SECCOMP_AUDIT },
		{ "no-check",     no_argument,       nullptr, NO_CHECK },
		{ "keep-running", no_argument,       nullptr, KEEP_RUNNING },
		{ "version",      no_argument,       nullptr, VERSION },
		{ "help",         no_argument,       nullptr, 'h' },
		{ nullptr, 0, nullptr, 0 } };

	using Cli::Verdict;
	bool stopped = false;
	auto const operands = command_line.parse("h", long_options, [&] (int opt, std::string const &v) {
		switch (opt) {
		case 'h':     o.command = Options::Command::HELP;    return Verdict::stop();
		case VERSION: o.command = Options::Command::VERSION; return Verdict::stop();
		case ROM_DIR: {
			auto const dir = Cli::directory(v);
			if (!dir) return Verdict::usage("--rom-dir: not a directory: " + v);
			o.rom_dirs.push_back(*dir);
			return Verdict::go_on();
		}
		case REPORT_DIR: o.report_dir = std::filesystem::absolute(v).string(); return Verdict::go_on();
		case UNTIL:
			try { std::regex r(v); } catch (std::regex_error const &e) {
				return Verdict::usage("--until: invalid regular expression: " + std::string(e.what())); }
			o.until = v;
			return Verdict::go_on();
		case TIMEOUT:
			o.timeout_s = Cli::positive_seconds(v);
			return o.timeout_s ? Verdict::go_on() : Verdict::usage("--timeout: not a positive number: " + v);
		case RAM:  return Cli::init_quota(true,  v, o.init_ram);
		case CAPS: return Cli::init_quota(false, v, o.init_caps);
		case UNSEALED:     o.sealed = false;      return Verdict::go_on();
		case SECCOMP_AUDIT: o.seccomp_audit = true; return Verdict::go_on();
		case NO_CHECK:     o.check = false;       return Verdict::go_on();
		case KEEP_RUNNING: o.keep_running = true; return Verdict::go_on();
		}
		return Verdict::go_on();
	}, stopped);
	if (stopped) return o;
	if (!operands) return std::nullopt;

	auto const config = command_line.one_operand(*operands, "CONFIG.xml", "config");
	if (!config) return std::nullopt;
	o.config_path = *config;
	return o;
}
