/*
 * Benchmark harness: timed batches, medians over interleaved runs, peer
 * processes, and the JSON lines that bench/run prints (docs/PERFORMANCE.md)
 */
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace nestbox::bench {

struct Options
{
	unsigned runs     = 21;     /* timed runs per contestant; the median counts */
	double   batch_ms = 50;     /* how long one timed run should take */
	/*
	 * Where the two processes of a round trip run. On a virtual machine a
	 * wake-up on another, idle vCPU can cost far more than the mechanism
	 * itself, so 'SAME' (both on CPU 0) times the software path alone.
	 */
	enum class Placement { ANY, SAME, SPLIT } placement = Placement::SAME;
	bool     verbose  = false;  /* per-run figures on stderr */
};

/*
 * One contestant: runs 'n' operations and returns the elapsed nanoseconds.
 * The harness picks 'n' so that a run lasts about Options::batch_ms.
 */
using Batch = std::function<double(unsigned long n)>;

struct Contestant
{
	std::string name;    /* names the JSON line when used as a baseline */
	Batch       batch;
};

/*
 * Measure 'subject' against each baseline in the same run, interleaved:
 * every round times each contestant once, in rotating order, so that a
 * noisy neighbour or a frequency change hits all of them alike. Prints one
 * JSON line per baseline: the subject's median ns/op, the baseline's, and
 * their ratio.
 */
void compare(Options const &, Contestant const &subject, std::vector<Contestant> const &baselines);

/* Nanoseconds of the monotonic clock */
double now_ns();

/* Keep the compiler from optimising away work on 'p' */
inline void escape(void const *p) { asm volatile("" : : "g"(p) : "memory"); }

/* Pin the calling process to 'cpu', or allow every CPU for -1 */
void pin_to_cpu(int cpu);

/* The CPU this process and a forked peer run on (-1: any) */
int own_cpu (Options const &);
int peer_cpu(Options const &);

/* The suffix that names the placement in a JSON line */
char const *placement_suffix(Options const &);

/*
 * A forked peer process. It dies with its parent (PR_SET_PDEATHSIG) and
 * is killed when this object goes, so a failed benchmark leaves nothing
 * behind.
 */
class Peer_process
{
	private:

		pid_t _pid = -1;

	public:

		Peer_process(Options const &, std::function<void()> const &body);
		~Peer_process();
		Peer_process(Peer_process const &) = delete;
};

/* Hand a descriptor to the other process of a socketpair (SCM_RIGHTS) */
bool send_fd(int socket, int fd);
int  receive_fd(int socket);

[[noreturn]] void die(char const *what);

/* The benchmark groups, each in its own file */
void rpc_round_trip   (Options const &);
void signal_round_trip(Options const &);
void dataspace_alloc  (Options const &);

} /* namespace nestbox::bench */
