/*
 * 'nestbox run': core as the root of a running system
 */
#pragma once

namespace Core {

/* the whole 'nestbox run' command line; returns the process exit status */
int run_main(int argc, char **argv);

} /* namespace Core */
