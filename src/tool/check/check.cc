/*
 * 'nestbox check CONFIG.xml': validate a system before anything runs
 *
 * The config is parsed by init's own parser, so that what check accepts is
 * what init runs; the checks themselves are in check_system.cc. Check is
 * advisory: 'nestbox run' refuses nothing that check only warns about.
 */

#include "check.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <pugixml.hpp>

#include <nestbox/init/config_model.h>
#include <nestbox/util/arg_string.h>

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
	std::string              config_path { };
	bool                     help = false;
};

void print_help()
{
	std::printf(
"Usage: nestbox check [--rom-dir DIR]... [--ram SIZE] [--caps N]\n"
"                     [--warnings-as-errors] CONFIG.xml\n"
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
	auto usage_error = [] (std::string const &msg) -> std::optional<Args> {
		std::fprintf(stderr, "nestbox check: %s\nTry 'nestbox check --help'.\n", msg.c_str());
		return std::nullopt;
	};

	for (int i = 2; i < argc; i++) {
		std::string const arg = argv[i];
		auto value = [&] () -> char const * { return (i + 1 < argc) ? argv[++i] : nullptr; };
		std::error_code ec;

		if (arg == "--help" || arg == "-h") { a.help = true; return a; }
		else if (arg == "--warnings-as-errors") a.warnings_as_errors = true;
		else if (arg == "--rom-dir") {
			char const *v = value(); if (!v) return usage_error("--rom-dir needs a directory");
			if (!std::filesystem::is_directory(v, ec)) return usage_error(std::string("--rom-dir: not a directory: ") + v);
			a.rom_dirs.push_back(std::filesystem::absolute(v).string());
		}
		else if (arg == "--ram" || arg == "--caps") {
			char const *v = value(); if (!v) return usage_error(arg + " needs a value");
			auto s = nestbox::Arg_string::parse_size(v);
			if (!s || *s == 0) return usage_error(arg + ": not a " + (arg == "--ram" ? "size" : "number") + ": " + v);
			(arg == "--ram" ? a.init_ram : a.init_caps) = *s;
		}
		else if (arg.starts_with("-")) return usage_error("unknown option '" + arg + "'");
		else if (a.config_path.empty()) a.config_path = arg;
		else return usage_error("more than one config given ('" + arg + "')");
	}
	if (a.config_path.empty()) return usage_error("missing CONFIG.xml");
	return a;
}

/* the ROM directories of 'nestbox run' (Core::Main::rom_dirs), in its order */
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

}


int Check::check_main(int argc, char **argv)
{
	auto const args = parse_args(argc, argv);
	if (!args) return USAGE;
	if (args->help) { print_help(); return PASSED; }

	std::string const &path = args->config_path;
	std::error_code ec;
	std::ifstream in(path, std::ios::binary);
	if (!in || !std::filesystem::is_regular_file(path, ec)) { std::fprintf(stderr, "%s: error: cannot read config file\n", path.c_str()); return USAGE; }
	std::stringstream ss;
	ss << in.rdbuf();
	std::string const text = ss.str();

	Init::Config_error problem { };
	auto const model = Init::parse_config(text, problem);
	if (!model) {
		/* same position as 'nestbox run' reports (Init::check_config_file) */
		if (problem.offset > 0 && problem.offset < text.size() && text[problem.offset - 1] == '<')
			problem.offset--;
		std::fprintf(stderr, "%s: error: %s\n", position(path, text, problem.offset).c_str(),
		             problem.message.c_str());
		return USAGE;
	}

	Node_offsets const offsets = offsets_of(text);
	auto diagnostics = check_system({ *model, offsets, rom_dirs(*args), args->init_ram, args->init_caps });

	/* in the order of the config file, which is how one reads and fixes it */
	std::stable_sort(diagnostics.begin(), diagnostics.end(),
	                 [] (Diagnostic const &a, Diagnostic const &b) { return a.offset < b.offset; });

	unsigned errors = 0, warnings = 0;
	for (Diagnostic const &d : diagnostics) {
		bool const is_error = d.severity == Diagnostic::Severity::ERROR;
		(is_error ? errors : warnings)++;
		std::fprintf(stderr, "%s: %s: %s\n", position(path, text, d.offset).c_str(),
		             is_error ? "error" : "warning", d.message.c_str());
	}

	auto plural = [] (unsigned n, char const *word) {
		return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); };
	std::fprintf(stderr, "%s: %s, %s, %s\n", path.c_str(), plural(unsigned(model->starts.size()), "start node").c_str(),
	             plural(errors, "error").c_str(), plural(warnings, "warning").c_str());

	if (errors || (args->warnings_as_errors && warnings)) return FAILED;
	return PASSED;
}
