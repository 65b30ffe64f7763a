/*
 * base_bench: the base mechanisms of libnestbox against their raw peers
 *
 *   base_bench [--cpus same|split|any] [--runs N] [--batch-ms MS] [--verbose]
 *              [rpc|signal|dataspace]...
 *
 * Prints one JSON line per comparison (docs/PERFORMANCE.md). Without a group name,
 * every group runs. '--cpus' places the two processes of a round trip on
 * one CPU (the default), on two, or leaves it to the scheduler.
 */

#include "bench.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string_view>

using namespace nestbox::bench;

static void usage(int exit_code = 2)
{
	std::fprintf(stderr, "usage: base_bench [--cpus same|split|any] [--runs N] [--batch-ms MS] "
	                     "[--verbose] [rpc|signal|dataspace]...\n");
	std::exit(exit_code);
}

int main(int argc, char **argv)
{
	/* a peer that died early must turn into an error message, not a silent exit */
	::signal(SIGPIPE, SIG_IGN);

	Options opt;
	bool rpc = false, signal = false, dataspace = false;

	for (int i = 1; i < argc; i++) {
		std::string_view const arg = argv[i];
		if      (arg == "--help" || arg == "-h")      usage(0);
		else if (arg == "--verbose")                 opt.verbose = true;
		else if (arg == "--cpus" && i + 1 < argc) {
			std::string_view const p = argv[++i];
			if      (p == "same")  opt.placement = Options::Placement::SAME;
			else if (p == "split") opt.placement = Options::Placement::SPLIT;
			else if (p == "any")   opt.placement = Options::Placement::ANY;
			else usage();
		}
		else if (arg == "--runs" && i + 1 < argc)     opt.runs = unsigned(std::atoi(argv[++i]));
		else if (arg == "--batch-ms" && i + 1 < argc) opt.batch_ms = std::atof(argv[++i]);
		else if (arg == "rpc")                       rpc = true;
		else if (arg == "signal")                    signal = true;
		else if (arg == "dataspace")                 dataspace = true;
		else usage();
	}
	if (opt.runs == 0 || opt.batch_ms <= 0) usage();
	if (!rpc && !signal && !dataspace) rpc = signal = dataspace = true;

	pin_to_cpu(own_cpu(opt));

	if (rpc)       rpc_round_trip(opt);
	if (signal)    signal_round_trip(opt);
	if (dataspace) dataspace_alloc(opt);
	return 0;
}
