/*
 * 'nestbox check CONFIG.xml': validate a system before anything runs
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace Check {

/* argv[1] is "check"; returns the process exit status */
int check_main(int argc, char **argv);

/*
 * The check of 'nestbox run' before it starts CONFIG: prints the errors to
 * stderr (FILE:LINE:COLUMN: error: …) and returns true if there are none.
 * Warnings are neither printed nor held against the config.
 */
bool check_for_run(std::string const &config_path, std::vector<std::string> const &rom_dirs,
                   uint64_t init_ram, uint64_t init_caps);

} /* namespace Check */
