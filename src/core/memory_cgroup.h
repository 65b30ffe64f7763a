/*
 * RAM quotas enforced by the kernel: one memory cgroup per component
 *
 * A component's RAM quota is core's bookkeeping of its dataspaces; the
 * kernel additionally caps everything the component's processes use (heap,
 * stack, page tables, touched dataspaces) at the quota plus an allowance for
 * the binary and its runtime. cgroup v2 is used where the memory controller
 * is delegated to core's cgroup, else cgroup v1's memory hierarchy; without
 * either, nothing is enforced by the kernel and core says so once, with the
 * reason. The same code serves root and an ordinary user: an ordinary user
 * gets memory cgroups where a cgroup v2 subtree is delegated to it (its
 * directory writable, e.g. a systemd scope with Delegate=yes).
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
		std::string _parent { };      /* the cgroup core was started in */
		std::string _base { };        /* the run's own cgroup directory, below '_parent' */
		std::string _core_leaf { };   /* v2: where core moved itself to, if it had to */
		std::string _problem { };     /* why nothing is enforced */
		uint64_t    _next = 1;

		bool _setup_v2(std::string const &parent, std::string const &run);
		void _leave_v2();

	public:

		/* the allowance on top of a quota: the binary, its runtime, its stack */
		static constexpr uint64_t RUNTIME_ALLOWANCE = 64ull << 20;

		Memory_cgroups();
		~Memory_cgroups();

		bool        enforced() const { return _version != Version::NONE; }
		char const *kind()     const { return _version == Version::V2 ? "cgroup v2" : "cgroup v1"; }

		/* Why no cgroup is used ("" when one is) */
		std::string const &problem() const { return _problem; }

		/* Put 'pid' (and what it forks) under a limit; returns the cgroup's path or "" */
		std::string limit(pid_t pid, uint64_t ram_quota);

		/* Follow a changed quota */
		void update(std::string const &path, uint64_t ram_quota);

		/* Remove a cgroup whose processes are gone */
		static void remove(std::string const &path);

		/*
		 * Remove the directories of earlier runs in 'parent' whose core is
		 * gone ("nestbox-PID" and the cgroups in it). A cgroup that still
		 * holds a process cannot be removed and stays. Returns how many
		 * runs' directories were removed.
		 */
		static unsigned remove_stale(std::string const &parent);
};

} /* namespace Core */
