/*
 * What a scenario may require of the machine, each probed for real
 *
 * A requirement is a feature that no package brings (a kernel's cgroup
 * controller, a system-call entry): a scenario that needs one is skipped,
 * saying why, where the machine lacks it, also under CI.
 */

#include "requirement.h"

#include <memory_cgroup.h>

#include <cstdlib>

#include <cerrno>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace Scenario_test;


/*
 * Whether core would get memory cgroups here: a controller listed at the
 * hierarchy's root is not enough, it must be delegated to (or enabled in)
 * the cgroup nestbox runs in. So the probe is core's own set-up, done in a
 * child (it may move itself into a leaf cgroup, and undoes it on exit),
 * which sends back core's reason where it fails.
 */
static std::string memory_cgroup_absent()
{
	int fds[2];
	if (::pipe2(fds, O_CLOEXEC) < 0) return "cannot probe for memory cgroups (pipe failed)";
	pid_t const child = ::fork();
	if (child < 0) { ::close(fds[0]); ::close(fds[1]); return "cannot probe for memory cgroups (fork failed)"; }
	if (child == 0) {
		::close(fds[0]);
		int status = 0;
		{
			Core::Memory_cgroups const cgroups;
			if (!cgroups.enforced()) {
				std::string const &problem = cgroups.problem();
				status = ::write(fds[1], problem.data(), problem.size()) < 0 ? 2 : 1;
			}
		}
		::_exit(status);
	}
	::close(fds[1]);
	std::string problem;
	char buf[512];
	for (ssize_t n; (n = ::read(fds[0], buf, sizeof(buf))) != 0; )
		if (n > 0) problem.append(buf, size_t(n));
		else if (errno != EINTR) break;
	::close(fds[0]);
	int status = 0;
	while (::waitpid(child, &status, 0) < 0 && errno == EINTR) { }
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return { };
	return "core gets no memory cgroup here: " + (problem.empty() ? std::string("the probe failed") : problem);
}


/*
 * Whether the kernel serves the i386 system-call entry (int 0x80) to a 64-bit
 * process. Kernels built without IA32 emulation, or booted with
 * ia32_emulation=0, raise SIGSEGV for int 0x80 before any seccomp filter sees
 * the call, so a scenario that expects the filter to kill such a call cannot
 * pass there. Neither the kernel's version nor its config file tells this
 * reliably; a child that makes the call does: i386 getpid returns its pid
 * where the entry exists and the child dies of SIGSEGV where it does not.
 */
static bool has_i386_abi_entry()
{
#if defined(__x86_64__)
	pid_t const child = ::fork();
	if (child < 0) return false;
	if (child == 0) {
		/* no core dump of the expected SIGSEGV */
		::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		struct rlimit const no_core { 0, 0 };
		::setrlimit(RLIMIT_CORE, &no_core);

		long r;
		asm volatile ("int $0x80"
		              : "=a" (r)
		              : "a" (20L /* i386 getpid */)
		              : "memory", "r8", "r9", "r10", "r11");
		::_exit(r == long(::getpid()) ? 0 : 1);
	}
	int status = 0;
	while (::waitpid(child, &status, 0) < 0) { }
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
#else
	return false;
#endif
}


static std::string i386_abi_absent()
{
	if (has_i386_abi_entry()) return { };
	return "this kernel has no i386 system-call entry (int 0x80 raises SIGSEGV: "
	       "no IA32 emulation, or ia32_emulation=0)";
}


static Requirement const requirements[] = {
	{ "memory_cgroup", memory_cgroup_absent },
	{ "i386_abi",      i386_abi_absent },
};


Requirement const *Scenario_test::requirement(std::string_view name)
{
	for (Requirement const &r : requirements)
		if (r.name == name) return &r;
	return nullptr;
}


std::string Scenario_test::requirement_names()
{
	std::string names;
	for (Requirement const &r : requirements) {
		if (!names.empty()) names += ", ";
		names += r.name;
	}
	return names;
}


bool Scenario_test::in_ci()
{
	char const *ci = std::getenv("CI");
	std::string_view const v = ci ? ci : "";
	return v == "1" || v == "true" || v == "TRUE" || v == "True" || v == "yes";
}
