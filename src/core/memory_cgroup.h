/*
 * RAM quotas enforced by the kernel: one memory cgroup per component
 *
 * A component's RAM quota is core's bookkeeping of its dataspaces; the
 * kernel additionally caps everything the component's processes use (heap,
 * stack, page tables, touched dataspaces) at the quota plus an allowance for
 * the binary and its runtime. cgroup v2 is used where the memory controller
 * is there, else cgroup v1's memory hierarchy; without either, nothing is
 * enforced by the kernel and core says so once.
 */
#pragma once

#include <cstdint>
#include <string>
#include <sys/types.h>

namespace Core {

class Memory_cgroups
{
	private:

		enum class Version { NONE, V1, V2 };

		Version     _version = Version::NONE;
		std::string _base { };        /* the run's own cgroup directory */
		uint64_t    _next = 1;

	public:

		/* the allowance on top of a quota: the binary, its runtime, its stack */
		static constexpr uint64_t RUNTIME_ALLOWANCE = 64ull << 20;

		Memory_cgroups();
		~Memory_cgroups();

		bool        enforced() const { return _version != Version::NONE; }
		char const *kind()     const { return _version == Version::V2 ? "cgroup v2" : "cgroup v1"; }

		/* Put 'pid' (and what it forks) under a limit; returns the cgroup's path or "" */
		std::string limit(pid_t pid, uint64_t ram_quota);

		/* Follow a changed quota */
		void update(std::string const &path, uint64_t ram_quota);

		/* Remove a cgroup whose processes are gone */
		static void remove(std::string const &path);
};

} /* namespace Core */
