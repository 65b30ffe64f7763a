/*
 * 'nestbox check CONFIG.xml': validate a system before anything runs
 */
#pragma once

namespace Check {

/* argv[1] is "check"; returns the process exit status */
int check_main(int argc, char **argv);

} /* namespace Check */
