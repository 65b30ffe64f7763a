/*
 * nestbox: the command line, one program for running, checking and testing
 *
 * 'nestbox run' is core itself (src/core); 'check' and 'test' are tools that
 * never start core in-process: the checker reads a config, the scenario
 * runner starts 'nestbox run' as a child and follows its output. This file
 * is where the two meet: core knows no checker, so the check that 'run'
 * does before it starts is handed to core from here.
 */

#include <cstdio>
#include <string_view>

#include <nestbox/version.h>

#include <run.h>
#include <check.h>
#include <scenario_test.h>

int main(int argc, char **argv)
{
	std::string_view const command = argc >= 2 ? argv[1] : "";

	if (command == "run")
		return Core::run_main(argc, argv, [] (Core::Options const &o, std::vector<std::string> const &rom_dirs) {
			return Check::check_for_run(o.config_path, rom_dirs, o.init_ram, o.init_caps); });
	if (command == "check") return Check::check_main(argc, argv);
	if (command == "test")  return Scenario_test::scenario_test_main(argc, argv);

	if (command == "--help" || command == "-h" || command == "help") {
		Core::print_help("nestbox");
		return 0;
	}
	if (command == "--version") {
		std::printf("nestbox %s\n", nestbox::version);
		return 0;
	}

	if (command.empty()) std::fprintf(stderr, "nestbox: missing command (run, check or test)\n");
	else std::fprintf(stderr, "nestbox: unknown command '%s'\n", argv[1]);
	std::fprintf(stderr, "Try 'nestbox --help'.\n");
	return 2;
}
