/*
 * 'nestbox check CONFIG.xml': validate a system before anything runs
 *
 * The config is parsed by init's own parser, so that what check accepts is
 * what init runs; the checks themselves are in check_system.cc. 'nestbox
 * run' runs the same checks before it starts (check_for_run) and refuses a
 * config with errors; warnings never stop a run.
 */

#include "check.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <getopt.h>

#include <pugixml.hpp>

#include <nestbox/cli/command_line.h>
#include <nestbox/init/config_model.h>
#include <nestbox/util/arg_string.h>
#include <nestbox/version.h>

#include "check_dot.h"
#include "check_system.h"
#include <nestbox/init/config_check.h>

using namespace Check;

namespace {

enum Exit { PASSED = 0, FAILED = 1, USAGE = 2 };

struct Args
{
	std::vector<std::string> rom_dirs { };
	uint64_t                 init_ram  = 1ull << 30;   /* the defaults of 'nestbox run' */
	uint64_t                 init_caps = 20000;
	bool                     warnings_as_errors = false;
	bool                     dot = false;
	std::string              config_path { };
	bool                     help = false, version = false;
};

void print_help()
{
	std::printf(
"Usage: nestbox check [--rom-dir DIR]... [--ram SIZE] [--caps N]\n"
"                     [--warnings-as-errors] [--dot] CONFIG.xml\n"
"\n"
"Validates an init config and the binaries it names before anything runs:\n"
"\n"
"  * the config parses (with init's own parser)\n"
"  * every <start>'s binary is an ELF executable in the ROM directories\n"
"  * the environment sessions (PD, CPU, LOG, the binary's ROM) and every\n"
"    service that the binary's manifest requires route to exactly one\n"
"    provider, resolved as init does: <route>, then <default-route>; the\n"
"    first matching rule; its targets in order\n"
"  * a <child> target exists and declares the service (and its manifest\n"
"    provides it); an <any-child/> target is unambiguous\n"
"  * no routing cycles; <service> exports name children that provide them\n"
"  * the children's RAM and caps fit into init's quota\n"
"\n"
"Options:\n"
"  --rom-dir DIR          search binaries in DIR first (more than once: in\n"
"                         order); then the config's directory, then the\n"
"                         directory of nestbox, as 'nestbox run' does\n"
"  --ram SIZE             RAM quota of init (default 1G), as for 'nestbox run'\n"
"  --caps N               capability quota of init (default 20000)\n"
"  --warnings-as-errors   fail on warnings too\n"
"  --dot                  print the system as a Graphviz digraph to stdout:\n"
"                         core, init and its children as nodes, an edge from\n"
"                         each client to each of its servers labelled with the\n"
"                         services routed there; sessions that do not route go\n"
"                         dashed and red to \"unrouted\"\n"
"                         (nestbox check --dot X.xml | dot -Tsvg > X.svg)\n"
"  -h, --help             print this help\n"
"  --version              print the version of nestbox\n"
"\n"
"Options take their value as '--opt VALUE' or '--opt=VALUE'.\n"
"'nestbox run' runs the same checks before it starts a config and refuses\n"
"one with errors (unless 'nestbox run --no-check').\n"
"\n"
"Problems are printed to stderr as FILE:LINE:COLUMN: error|warning: text,\n"
"pointing at the <start> node (or other node) they are about.\n"
"\n"
"Exit status:\n"
"  0  no errors (warnings may have been printed)\n"
"  1  errors (or warnings, with --warnings-as-errors)\n"
"  2  usage error, or the config is unreadable or malformed\n"
"\n"
"The manifest of a binary is declared with NESTBOX_MANIFEST (see\n"
"include/nestbox/manifest.h and docs/CHECK.md).\n");
}

std::optional<Args> parse_args(int argc, char **argv)
{
	Args a;
	Cli::Command_line const command_line("check", argc, argv);

	enum { ROM_DIR = 256, RAM, CAPS, WARNINGS_AS_ERRORS, DOT, VERSION };
	static option const long_options[] = {
		{ "rom-dir",            required_argument, nullptr, ROM_DIR },
		{ "ram",                required_argument, nullptr, RAM },
		{ "caps",               required_argument, nullptr, CAPS },
		{ "warnings-as-errors", no_argument,       nullptr, WARNINGS_AS_ERRORS },
		{ "dot",                no_argument,       nullptr, DOT },
		{ "version",            no_argument,       nullptr, VERSION },
		{ "help",               no_argument,       nullptr, 'h' },
		{ nullptr, 0, nullptr, 0 } };

	using Cli::Verdict;
	bool stopped = false;
	auto const operands = command_line.parse("h", long_options, [&] (int opt, std::string const &v) {
		switch (opt) {
		case 'h':                a.help = true;    return Verdict::stop();
		case VERSION:            a.version = true; return Verdict::stop();
		case WARNINGS_AS_ERRORS: a.warnings_as_errors = true; return Verdict::go_on();
		case DOT:                a.dot = true; return Verdict::go_on();
		case ROM_DIR: {
			auto const dir = Cli::directory(v);
			if (!dir) return Verdict::usage("--rom-dir: not a directory: " + v);
			a.rom_dirs.push_back(*dir);
			return Verdict::go_on();
		}
		case RAM:  return Cli::init_quota(true,  v, a.init_ram);
		case CAPS: return Cli::init_quota(false, v, a.init_caps);
		}
		return Verdict::go_on();
	}, stopped);
	if (stopped) return a;
	if (!operands) return std::nullopt;

	auto const config = command_line.one_operand(*operands, "CONFIG.xml", "config");
	if (!config) return std::nullopt;
	a.config_path = *config;
	return a;
}

/* the ROM directories of 'nestbox run' (Core::rom_dirs, src/core/options.cc), in its order */
std::vector<std::string> rom_dirs(Args const &a)
{
	std::vector<std::string> dirs = a.rom_dirs;
	dirs.push_back(std::filesystem::absolute(a.config_path).parent_path().string());
	std::error_code ec;
	auto const self = std::filesystem::read_symlink("/proc/self/exe", ec);
	dirs.push_back(ec ? "." : self.parent_path().string());
	return dirs;
}

/* pugixml points at a node's name; a message should point at its '<' */
size_t node_offset(std::string const &text, pugi::xml_node node)
{
	size_t const o = size_t(node.offset_debug());
	return (o > 0 && o <= text.size() && text[o - 1] == '<') ? o - 1 : o;
}

/* init's parser does not keep positions, so the text is parsed again for them */
Node_offsets offsets_of(std::string const &text)
{
	Node_offsets offsets;
	pugi::xml_document doc;
	doc.load_buffer(text.data(), text.size());
	pugi::xml_node const config = doc.document_element();
	offsets.config = node_offset(text, config);
	for (pugi::xml_node s : config.children("start"))
		offsets.starts.emplace(s.attribute("name").value(), node_offset(text, s));
	for (pugi::xml_node s : config.children("service"))
		offsets.services.push_back(node_offset(text, s));
	return offsets;
}

std::string position(std::string const &path, std::string const &text, size_t offset)
{
	auto const [line, column] = Init::line_column(text, offset);
	return path + ":" + std::to_string(line) + ":" + std::to_string(column);
}

/* A config as check looks at it: its text (for positions) and init's model of it */
struct Loaded
{
	std::string        path;
	std::string        text;
	Init::Config_model model;
};

/* nullopt (and the reason printed) if the config is unreadable or malformed */
std::optional<Loaded> load(std::string const &path)
{
	std::string text;
	if (auto problem = Init::read_config_file(path, text)) {
		std::fprintf(stderr, "%s\n", problem->c_str());
		return std::nullopt;
	}

	Init::Config_error problem { };
	auto model = Init::parse_config(text, problem);
	if (!model) {
		/* same position as 'nestbox run' reports (Init::check_config_file) */
		if (problem.offset > 0 && problem.offset < text.size() && text[problem.offset - 1] == '<')
			problem.offset--;
		std::fprintf(stderr, "%s: error: %s\n", position(path, text, problem.offset).c_str(),
		             problem.message.c_str());
		return std::nullopt;
	}
	return Loaded { path, std::move(text), std::move(*model) };
}

Findings find(Loaded const &config, std::vector<std::string> const &rom_dirs,
              uint64_t init_ram, uint64_t init_caps)
{
	Node_offsets const offsets = offsets_of(config.text);
	Findings findings = check_system({ config.model, offsets, rom_dirs, init_ram, init_caps });

	/* in the order of the config file, which is how one reads and fixes it */
	std::stable_sort(findings.diagnostics.begin(), findings.diagnostics.end(),
	                 [] (Diagnostic const &a, Diagnostic const &b) { return a.offset < b.offset; });
	return findings;
}

void print(Loaded const &config, Diagnostic const &d)
{
	bool const is_error = d.severity == Diagnostic::Severity::ERROR;
	std::fprintf(stderr, "%s: %s: %s\n", position(config.path, config.text, d.offset).c_str(),
	             is_error ? "error" : "warning", d.message.c_str());
}

}


bool Check::check_for_run(std::string const &config_path, std::vector<std::string> const &rom_dirs,
                          uint64_t init_ram, uint64_t init_caps)
{
	auto const config = load(config_path);
	if (!config) return false;

	/* warnings are for 'nestbox check'; a run shows only what stops it */
	bool passed = true;
	for (Diagnostic const &d : find(*config, rom_dirs, init_ram, init_caps).diagnostics)
		if (d.severity == Diagnostic::Severity::ERROR) { print(*config, d); passed = false; }
	return passed;
}


int Check::check_main(int argc, char **argv)
{
	auto const args = parse_args(argc, argv);
	if (!args) return USAGE;
	if (args->help)    { print_help(); return PASSED; }
	if (args->version) { std::printf("nestbox %s\n", nestbox::version); return PASSED; }

	std::string const &path = args->config_path;
	auto const config = load(path);
	if (!config) return USAGE;

	Findings const findings = find(*config, rom_dirs(*args), args->init_ram, args->init_caps);

	unsigned errors = 0, warnings = 0;
	for (Diagnostic const &d : findings.diagnostics) {
		(d.severity == Diagnostic::Severity::ERROR ? errors : warnings)++;
		print(*config, d);
	}

	auto plural = [] (unsigned n, char const *word) {
		return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); };
	std::fprintf(stderr, "%s: %s, %s, %s\n", path.c_str(), plural(unsigned(config->model.starts.size()), "start node").c_str(),
	             plural(errors, "error").c_str(), plural(warnings, "warning").c_str());

	if (args->dot)
		std::fputs(dot_graph(std::filesystem::path(path).filename().string(), config->model, findings).c_str(), stdout);

	if (errors || (args->warnings_as_errors && warnings)) return FAILED;
	return PASSED;
}
