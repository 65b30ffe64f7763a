/*
 * 'nestbox test SCENARIO.xml': scripted scenario tests (see docs)
 */
#pragma once

namespace Scenario_test {

/* argv[1] is "test"; returns the process exit status */
int scenario_test_main(int argc, char **argv);

} /* namespace Scenario_test */
