/*
 * The command lines of 'nestbox run', 'check' and 'test', parsed alike
 *
 * Each subcommand names its options in a getopt_long table and handles
 * each option it meets; this does the rest the same way for all: argv as
 * the subcommand sees it, '--opt=value' and '--opt value', a usage line for
 * an unknown option or a missing value, the operands that are left, and
 * the values several subcommands take (--rom-dir, --ram, --caps, --timeout).
 */
#pragma once

#include <cstdint>
#include <functional>
#include <getopt.h>
#include <optional>
#include <string>
#include <vector>

namespace Cli {

/* What handling one option found */
struct Verdict
{
	enum class Kind { GO_ON, STOP, USAGE_ERROR } kind = Kind::GO_ON;
	std::string error { };

	static Verdict go_on()                      { return { }; }
	static Verdict stop()                       { return { Kind::STOP, { } }; }   /* --help, --version */
	static Verdict usage(std::string const &e)  { return { Kind::USAGE_ERROR, e }; }
};

class Command_line
{
	private:

		std::string const _command;   /* "run", "check", "test" */
		int   const       _argc;
		char **const      _argv;

	public:

		/* 'argv[1]' is the subcommand, as main() gets it */
		Command_line(std::string const &command, int argc, char **argv)
		: _command(command), _argc(argc - 1), _argv(argv + 1) { }

		/* Prints "nestbox CMD: MESSAGE" and the hint to --help to stderr */
		void usage_error(std::string const &message) const;

		/*
		 * Each option in turn goes to 'handle' with its value ("" for a flag);
		 * the operands left over are returned. nullopt: a usage error (printed)
		 * or a handler that said stop ('stopped' tells which).
		 */
		std::optional<std::vector<std::string>>
		parse(char const *short_options, option const *long_options,
		      std::function<Verdict(int option, std::string const &value)> const &handle,
		      bool &stopped) const;

		/*
		 * The one operand a subcommand takes ("missing CONFIG.xml", "more than
		 * one config given" otherwise, printed)
		 */
		std::optional<std::string> one_operand(std::vector<std::string> const &operands,
		                                       std::string const &name, std::string const &noun) const;
};

/* --rom-dir: an existing directory, made absolute */
std::optional<std::string> directory(std::string const &value);

/* --ram SIZE (Genode's notation: 4K, 2M, 1G) or --caps N into 'quota' */
Verdict init_quota(bool ram, std::string const &value, uint64_t &quota);

/* --timeout: a positive number of seconds */
std::optional<double> positive_seconds(std::string const &value);

} /* namespace Cli */
