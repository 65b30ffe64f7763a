/*
 * What a scenario may require of the machine, each probed for real
 *
 * A requirement is a feature that no package brings (a kernel's cgroup
 * controller, a system-call entry): a scenario that needs one is skipped,
 * saying why, where the machine lacks it, also under CI.
 */

#include "requirement.h"

#include <cstdlib>
#include <fstream>
#include <iterator>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace Scenario_test;


static bool has_memory_cgroup()
{
	std::ifstream v2("/sys/fs/cgroup/cgroup.controllers");
	std::string controllers;
	std::getline(v2, controllers);
	struct stat st { };
	return controllers.find("memory") != std::string::npos
	    || ::stat("/sys/fs/cgroup/memory/memory.limit_in_bytes", &st) == 0;
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
static bool has_i386_abi()
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


static Requirement const requirements[] = {
	{ "memory_cgroup", has_memory_cgroup, "this machine has no memory cgroup (v1 or v2)" },
	{ "i386_abi",      has_i386_abi,
	  "this kernel has no i386 system-call entry (int 0x80 raises SIGSEGV: "
	  "no IA32 emulation, or ia32_emulation=0)" },
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
