/*
 * Benchmark harness
 */

#include "bench.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace nestbox::bench;


void nestbox::bench::die(char const *what)
{
	std::fprintf(stderr, "base_bench: %s: %s\n", what, std::strerror(errno));
	std::exit(1);
}


double nestbox::bench::now_ns()
{
	timespec ts { };
	::clock_gettime(CLOCK_MONOTONIC, &ts);
	return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}


void nestbox::bench::pin_to_cpu(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (cpu < 0) {
		for (int i = 0; i < CPU_SETSIZE; i++) CPU_SET(i, &set);
	} else {
		CPU_SET(cpu, &set);
	}
	if (::sched_setaffinity(0, sizeof(set), &set) < 0 && cpu >= 0)
		die("sched_setaffinity");
}


int nestbox::bench::own_cpu(Options const &opt)
{
	return opt.placement == Options::Placement::ANY ? -1 : 0;
}


int nestbox::bench::peer_cpu(Options const &opt)
{
	switch (opt.placement) {
	case Options::Placement::ANY:   return -1;
	case Options::Placement::SAME:  return 0;
	case Options::Placement::SPLIT: return ::sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0;
	}
	return -1;
}


char const *nestbox::bench::placement_suffix(Options const &opt)
{
	switch (opt.placement) {
	case Options::Placement::ANY:   return "";
	case Options::Placement::SAME:  return "_same_cpu";
	case Options::Placement::SPLIT: return "_split_cpu";
	}
	return "";
}


Peer_process::Peer_process(Options const &opt, std::function<void()> const &body)
{
	pid_t const parent = ::getpid();
	_pid = ::fork();
	if (_pid < 0) die("fork");
	if (_pid == 0) {
		::prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (::getppid() != parent) ::_exit(0);   /* the parent died before prctl */
		pin_to_cpu(peer_cpu(opt));
		body();
		::_exit(0);
	}
}


Peer_process::~Peer_process()
{
	if (_pid <= 0) return;
	::kill(_pid, SIGKILL);
	::waitpid(_pid, nullptr, 0);
}


bool nestbox::bench::send_fd(int socket, int fd)
{
	char byte = 0;
	iovec iov { &byte, 1 };
	alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] { };
	msghdr msg { };
	msg.msg_iov        = &iov;
	msg.msg_iovlen     = 1;
	msg.msg_control    = control;
	msg.msg_controllen = sizeof(control);
	cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type  = SCM_RIGHTS;
	c->cmsg_len   = CMSG_LEN(sizeof(int));
	std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return ::sendmsg(socket, &msg, MSG_NOSIGNAL) == 1;
}


int nestbox::bench::receive_fd(int socket)
{
	char byte = 0;
	iovec iov { &byte, 1 };
	alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] { };
	msghdr msg { };
	msg.msg_iov        = &iov;
	msg.msg_iovlen     = 1;
	msg.msg_control    = control;
	msg.msg_controllen = sizeof(control);
	if (::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC) != 1) return -1;
	cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
	int fd = -1;
	std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}


namespace {

double median(std::vector<double> v)
{
	std::sort(v.begin(), v.end());
	size_t const m = v.size() / 2;
	return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/*
 * Grow the batch until it is long enough to time, then scale it to the
 * wanted duration. This doubles as the warm-up: caches, page tables, the
 * peers' wake-up paths and the CPU frequency settle before timed runs.
 */
unsigned long calibrate(Options const &opt, Batch const &batch)
{
	double const target = opt.batch_ms * 1e6;
	unsigned long n = 1;
	double t = batch(n);
	while (t < target / 10 && n < (1ul << 30)) {
		n *= 4;
		t = batch(n);
	}
	double const scaled = double(n) * target / std::max(t, 1.0);
	n = std::max(1ul, (unsigned long)scaled);
	(void)batch(n);
	return n;
}

}


void nestbox::bench::compare(Options const &opt, Contestant const &subject,
                             std::vector<Contestant> const &baselines)
{
	std::vector<Contestant const *> all { &subject };
	for (auto const &b : baselines) all.push_back(&b);

	std::vector<unsigned long> n(all.size());
	for (size_t i = 0; i < all.size(); i++) n[i] = calibrate(opt, all[i]->batch);

	std::vector<std::vector<double>> ns_per_op(all.size());
	for (unsigned r = 0; r < opt.runs; r++) {
		for (size_t k = 0; k < all.size(); k++) {
			size_t const i = (r + k) % all.size();
			ns_per_op[i].push_back(all[i]->batch(n[i]) / double(n[i]));
		}
	}

	if (opt.verbose) {
		for (size_t i = 0; i < all.size(); i++) {
			std::fprintf(stderr, "%-32s n=%-8lu", all[i]->name.c_str(), n[i]);
			for (double v : ns_per_op[i]) std::fprintf(stderr, " %8.1f", v);
			std::fprintf(stderr, "\n");
		}
	}

	double const value = median(ns_per_op[0]);
	for (size_t i = 1; i < all.size(); i++) {
		double const baseline = median(ns_per_op[i]);
		std::printf("{\"name\": \"%s_vs_%s%s\", \"value\": %.1f, \"unit\": \"ns\", "
		            "\"baseline\": %.1f, \"ratio\": %.3f}\n",
		            subject.name.c_str(), all[i]->name.c_str(), placement_suffix(opt),
		            value, baseline, value / baseline);
	}
	std::fflush(stdout);
}
