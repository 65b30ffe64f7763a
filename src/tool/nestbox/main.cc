/*
 * nestbox: the command line, one program for running, checking and testing
 *
 * 'nestbox run' is core itself (src/core); 'check' and 'test' are tools that
 * never start core in-process: the checker reads a config, the scenario
 * runner starts 'nestbox run' as a child and follows its output.
 */

#include <string_view>

#include <run.h>
#include <check.h>
#include <scenario_test.h>

int main(int argc, char **argv)
{
	std::string_view const command = argc >= 2 ? argv[1] : "";

	if (command == "test")  return Scenario_test::scenario_test_main(argc, argv);
	if (command == "check") return Check::check_main(argc, argv);
	return Core::run_main(argc, argv);
}
