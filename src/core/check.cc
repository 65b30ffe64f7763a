/*
 * 'nestbox check': placeholder until the checker lands in this file
 */

#include "check.h"

#include <cstdio>

int Core::check_main(int, char **)
{
	std::fprintf(stderr, "nestbox check: not built yet\n");
	return 2;
}
