/*
 * The command lines of 'nestbox run', 'check' and 'test', parsed alike
 */

#include <nestbox/cli/command_line.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <nestbox/util/arg_string.h>

using namespace Cli;


void Command_line::usage_error(std::string const &message) const
{
	std::fprintf(stderr, "nestbox %s: %s\nTry 'nestbox %s --help'.\n",
	             _command.c_str(), message.c_str(), _command.c_str());
}


std::optional<std::vector<std::string>>
Command_line::parse(char const *short_options, option const *long_options,
                    std::function<Verdict(int, std::string const &)> const &handle, bool &stopped) const
{
	stopped = false;

	/* the subcommand is the program name to getopt; optind 0 starts afresh */
	optind = 0;
	opterr = 0;
	std::string const shorts = std::string(":") + short_options;   /* ':' tells a missing value apart */
	for (;;) {
		int const opt = getopt_long(_argc, _argv, shorts.c_str(), long_options, nullptr);
		if (opt == -1) break;
		if (opt == ':') { usage_error(std::string("option '") + _argv[optind - 1] + "' needs a value"); return std::nullopt; }
		if (opt == '?') { usage_error(std::string("unknown option '") + _argv[optind - 1] + "'"); return std::nullopt; }

		Verdict const v = handle(opt, optarg ? optarg : "");
		if (v.kind == Verdict::Kind::STOP) { stopped = true; return std::nullopt; }
		if (v.kind == Verdict::Kind::USAGE_ERROR) { usage_error(v.error); return std::nullopt; }
	}
	return std::vector<std::string>(_argv + optind, _argv + _argc);
}


std::optional<std::string> Cli::directory(std::string const &value)
{
	std::error_code ec;
	if (!std::filesystem::is_directory(value, ec)) return std::nullopt;
	return std::filesystem::absolute(value).string();
}


Verdict Cli::init_quota(bool ram, std::string const &value, uint64_t &quota)
{
	auto const s = nestbox::Arg_string::parse_size(value);
	if (!s || *s == 0) return Verdict::usage(ram ? "--ram: not a size: " + value : "--caps: not a number: " + value);
	quota = *s;
	return Verdict::go_on();
}


std::optional<std::string> Command_line::one_operand(std::vector<std::string> const &operands,
                                                     std::string const &name, std::string const &noun) const
{
	if (operands.empty()) { usage_error("missing " + name); return std::nullopt; }
	if (operands.size() > 1) {
		usage_error("more than one " + noun + " given ('" + operands[1] + "')");
		return std::nullopt;
	}
	return operands.front();
}


std::optional<double> Cli::positive_seconds(std::string const &value)
{
	char *end = nullptr;
	double const t = std::strtod(value.c_str(), &end);
	if (value.empty() || !end || *end || !(t > 0)) return std::nullopt;
	return t;
}
