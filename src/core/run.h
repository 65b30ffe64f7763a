/*
 * 'nestbox run': core as the root of a running system
 */
#pragma once

#include <functional>

#include "options.h"

namespace Core {

/*
 * What 'nestbox run' checks before it starts init, unless --no-check: given
 * the options and the run's ROM directories, it prints the problems it finds
 * and returns false to refuse the start. Core does not know the checker; the
 * CLI (src/tool/nestbox) passes it in.
 */
using Start_check = std::function<bool(Options const &, std::vector<std::string> const &rom_dirs)>;

/* the whole 'nestbox run' command line; returns the process exit status */
int run_main(int argc, char **argv, Start_check const &);

} /* namespace Core */
