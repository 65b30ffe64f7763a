/*
 * Command line of 'nestbox'
 */

#include "options.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <regex>
#include <unistd.h>

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
"Options of 'run':\n"
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
"  --unsealed         UNSAFE: run components without namespaces, seccomp\n"
"                     filter and dropped privileges, so that gdb, strace and\n"
"                     valgrind can be used on them (docs/SECURITY.md)\n"
"\n"
"Exit status:\n"
"  0  --until matched, or init exited with 0, or SIGINT/SIGTERM ended the run\n"
"  1  --timeout expired (or init exited with a non-zero value)\n"
"  2  usage error or malformed config (reported as FILE:LINE:COLUMN: message)\n"
"\n"
"However the run ends, every component process is killed and reaped first:\n"
"no process and no shared memory of the run outlives it.\n",
	prog, prog, prog, prog, prog, prog);
}


std::optional<Options> Core::parse_options(int argc, char **argv)
{
	Options o;

	auto usage_error = [&] (std::string const &msg) -> std::optional<Options> {
		std::fprintf(stderr, "nestbox: %s\nTry 'nestbox --help'.\n", msg.c_str());
		return std::nullopt;
	};

	std::error_code ec;
	auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
	o.bin_dir = ec ? "." : self.parent_path().string();

	if (argc < 2) return usage_error("missing command");

	std::string const command = argv[1];
	if (command == "--help" || command == "-h" || command == "help") { o.command = Options::Command::HELP; return o; }
	if (command == "--version") { o.command = Options::Command::VERSION; return o; }
	if (command != "run") return usage_error("unknown command '" + command + "'");
	o.command = Options::Command::RUN;

	for (int i = 2; i < argc; i++) {
		std::string const arg = argv[i];
		auto value = [&] () -> char const * { return (i + 1 < argc) ? argv[++i] : nullptr; };

		if (arg == "--help" || arg == "-h") { o.command = Options::Command::HELP; return o; }
		else if (arg == "--rom-dir") {
			char const *v = value(); if (!v) return usage_error("--rom-dir needs a directory");
			if (!std::filesystem::is_directory(v, ec)) return usage_error(std::string("--rom-dir: not a directory: ") + v);
			o.rom_dirs.push_back(std::filesystem::absolute(v).string());
		}
		else if (arg == "--report-dir") {
			char const *v = value(); if (!v) return usage_error("--report-dir needs a directory");
			o.report_dir = std::filesystem::absolute(v).string();
		}
		else if (arg == "--until") {
			char const *v = value(); if (!v) return usage_error("--until needs a regular expression");
			try { std::regex r(v); } catch (std::regex_error const &e) {
				return usage_error(std::string("--until: invalid regular expression: ") + e.what()); }
			o.until = v;
		}
		else if (arg == "--timeout") {
			char const *v = value(); if (!v) return usage_error("--timeout needs a number of seconds");
			char *end = nullptr;
			double const t = std::strtod(v, &end);
			if (!end || *end || t <= 0) return usage_error(std::string("--timeout: not a positive number: ") + v);
			o.timeout_s = t;
		}
		else if (arg == "--ram") {
			char const *v = value(); if (!v) return usage_error("--ram needs a size");
			auto s = nestbox::Arg_string::parse_size(v);
			if (!s || *s == 0) return usage_error(std::string("--ram: not a size: ") + v);
			o.init_ram = *s;
		}
		else if (arg == "--caps") {
			char const *v = value(); if (!v) return usage_error("--caps needs a number");
			auto s = nestbox::Arg_string::parse_size(v);
			if (!s || *s == 0) return usage_error(std::string("--caps: not a number: ") + v);
			o.init_caps = *s;
		}
		else if (arg == "--unsealed") o.sealed = false;
		else if (arg.starts_with("-")) return usage_error("unknown option '" + arg + "'");
		else if (o.config_path.empty()) o.config_path = arg;
		else return usage_error("more than one config given ('" + arg + "')");
	}

	if (o.config_path.empty()) return usage_error("missing CONFIG.xml");
	return o;
}
