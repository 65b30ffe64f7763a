/*
 * What a scenario may require of the machine: requires="NAME" in <scenario>
 */
#pragma once

#include <string>
#include <string_view>

namespace Scenario_test {

struct Requirement
{
	std::string_view name;

	/*
	 * Probes the machine (the result is the machine's, not the build's):
	 * "" where the feature is there, else why a scenario that requires it
	 * is skipped
	 */
	std::string (*absent)();
};

/* the requirement called 'name', or nullptr for an unknown name */
Requirement const *requirement(std::string_view name);

/* the names a scenario may require, for error messages: "a, b" */
std::string requirement_names();

/* CI=true: a skip for a missing machine feature says so loudly */
bool in_ci();

} /* namespace Scenario_test */
