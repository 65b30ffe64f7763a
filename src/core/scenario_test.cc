/*
 * 'nestbox test': placeholder until the scenario runner lands in this file
 */

#include "scenario_test.h"

#include <cstdio>

int Core::scenario_test_main(int, char **)
{
	std::fprintf(stderr, "nestbox test: not built yet\n");
	return 2;
}
