/*
 * One memory cgroup per component
 */

#include "memory_cgroup.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include <nestbox/util/unique_fd.h>

#include "kernel_file.h"

using namespace Core;

namespace {

bool has_word(std::string const &list, std::string const &word)
{
	std::istringstream words(list);
	for (std::string w; words >> w; )
		if (w == word) return true;
	return false;
}

/* The cgroup core itself is in, for hierarchy 'match' ("0" for v2, "memory" for v1) */
std::string own_cgroup(std::string const &match)
{
	std::istringstream lines(read_kernel_file("/proc/self/cgroup"));
	std::string line;
	while (std::getline(lines, line)) {
		size_t const a = line.find(':'), b = line.find(':', a + 1);
		if (a == std::string::npos || b == std::string::npos) continue;
		std::string const id = line.substr(0, a), controllers = line.substr(a + 1, b - a - 1);
		bool const hit = match == "0" ? (id == "0" && controllers.empty())
		                              : (controllers == match);
		if (hit) return line.substr(b + 1);
	}
	return { };
}

std::string reason(std::string const &what, int err) { return what + ": " + std::strerror(err); }

}


Memory_cgroups::Memory_cgroups()
{
	std::string const run = "/nestbox-" + std::to_string(::getpid());
	struct stat st { };

	/* cgroup v2 (the unified hierarchy at /sys/fs/cgroup) */
	if (::stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0) {
		std::string const parent = "/sys/fs/cgroup" + own_cgroup("0");
		if (!has_word(read_kernel_file(parent + "/cgroup.controllers"), "memory"))
			_problem = "cgroup v2: the memory controller is not delegated to " + parent;
		else if (::access(parent.c_str(), W_OK) < 0)
			_problem = reason("cgroup v2: " + parent + " is not writable", errno);
		else {
			remove_stale(parent);
			if (_setup_v2(parent, run)) return;
		}
	}

	/* cgroup v1's memory hierarchy */
	std::string const v1 = "/sys/fs/cgroup/memory";
	if (::stat((v1 + "/memory.limit_in_bytes").c_str(), &st) == 0) {
		std::string const parent = v1 + own_cgroup("memory");
		remove_stale(parent);
		if (::mkdir((parent + run).c_str(), 0755) == 0) {
			_parent  = parent;
			_base    = parent + run;
			_version = Version::V1;
			_problem.clear();
			return;
		}
		std::string const v1_problem = reason("cgroup v1: cannot create " + parent + run, errno);
		_problem = _problem.empty() ? v1_problem : _problem + "; " + v1_problem;
	}

	if (_problem.empty()) _problem = "neither cgroup v2 nor cgroup v1's memory hierarchy is mounted";
}


bool Memory_cgroups::_setup_v2(std::string const &parent, std::string const &run)
{
	std::string const base = parent + run;
	if (::mkdir(base.c_str(), 0755) < 0) {
		_problem = reason("cgroup v2: cannot create " + base, errno);
		return false;
	}
	_parent = parent;
	_base   = base;

	/*
	 * The components' cgroups need the memory controller enabled in the
	 * parent's subtree, and v2 enables controllers only in a cgroup that
	 * holds no process itself ("no internal processes"), except at the root.
	 * Core is in the parent, so it moves into a leaf of the run's directory
	 * first. That works where core has the cgroup to itself, as in a scope
	 * of its own (systemd-run --user --scope -p Delegate=yes nestbox run …).
	 */
	if (!has_word(read_kernel_file(parent + "/cgroup.subtree_control"), "memory")) {
		std::string const leaf = base + "/core";
		if (::mkdir(leaf.c_str(), 0755) < 0) {
			_problem = reason("cgroup v2: cannot create " + leaf, errno);
			_leave_v2();
			return false;
		}
		_core_leaf = leaf;
		if (int const err = write_kernel_file(leaf + "/cgroup.procs", std::to_string(::getpid()))) {
			_problem = reason("cgroup v2: cannot move core into " + leaf, err);
			_leave_v2();
			return false;
		}
		if (int const err = write_kernel_file(parent + "/cgroup.subtree_control", "+memory")) {
			_problem = reason("cgroup v2: cannot enable the memory controller in " + parent, err);
			if (err == EBUSY)
				_problem += " (other processes share the cgroup: start nestbox in a cgroup of its own,"
				            " e.g. systemd-run --user --scope -p Delegate=yes nestbox run …)";
			_leave_v2();
			return false;
		}
	}

	if (int const err = write_kernel_file(base + "/cgroup.subtree_control", "+memory")) {
		_problem = reason("cgroup v2: cannot enable the memory controller in " + base, err);
		_leave_v2();
		return false;
	}
	_version = Version::V2;
	_problem.clear();
	return true;
}


void Memory_cgroups::_leave_v2()
{
	/* back to how core found its cgroup: controllers off, core back home */
	(void)write_kernel_file(_base + "/cgroup.subtree_control", "-memory");
	if (!_core_leaf.empty()) {
		(void)write_kernel_file(_parent + "/cgroup.subtree_control", "-memory");
		(void)write_kernel_file(_parent + "/cgroup.procs", std::to_string(::getpid()));
		::rmdir(_core_leaf.c_str());
		_core_leaf.clear();
	}
	::rmdir(_base.c_str());
	_base.clear();
	_version = Version::NONE;
}


Memory_cgroups::~Memory_cgroups()
{
	if (_version == Version::V2) _leave_v2();
	else if (!_base.empty())     ::rmdir(_base.c_str());
}


unsigned Memory_cgroups::remove_stale(std::string const &parent)
{
	unsigned removed = 0;
	DIR *dir = ::opendir(parent.c_str());
	if (!dir) return 0;

	while (dirent *e = ::readdir(dir)) {
		std::string const name = e->d_name;
		if (!name.starts_with("nestbox-") || name.size() == 8 || name.size() > 16) continue;
		if (name.find_first_not_of("0123456789", 8) != std::string::npos) continue;

		/*
		 * A run whose core lives (or whose pid we cannot tell) is left alone.
		 * The pid is one of our PID namespace: a core of another one that
		 * shares this cgroup would look gone, but its cgroups that hold
		 * processes cannot be removed.
		 */
		pid_t const pid = pid_t(std::stol(name.substr(8)));
		if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;

		/* its cgroups are directories of one level (components, core's leaf) */
		std::string const run = parent + "/" + name;
		if (DIR *inner = ::opendir(run.c_str())) {
			while (dirent *c = ::readdir(inner))
				if (c->d_type == DT_DIR && c->d_name[0] != '.')
					::rmdir((run + "/" + c->d_name).c_str());
			::closedir(inner);
		}
		if (::rmdir(run.c_str()) == 0) removed++;
	}
	::closedir(dir);
	return removed;
}


std::string Memory_cgroups::limit(pid_t pid, uint64_t ram_quota)
{
	if (_version == Version::NONE) return { };

	std::string const path = _base + "/" + std::to_string(_next++);
	if (::mkdir(path.c_str(), 0755) < 0) return { };

	uint64_t const bytes = ram_quota + RUNTIME_ALLOWANCE;
	bool const limited = _version == Version::V2
		? !write_kernel_file(path + "/memory.max", std::to_string(bytes)) && !write_kernel_file(path + "/memory.swap.max", "0")
		: !write_kernel_file(path + "/memory.limit_in_bytes", std::to_string(bytes));
	if (!limited || write_kernel_file(path + "/cgroup.procs", std::to_string(pid))) {
		::rmdir(path.c_str());
		return { };
	}
	return path;
}


void Memory_cgroups::update(std::string const &path, uint64_t ram_quota)
{
	if (path.empty()) return;
	std::string const bytes = std::to_string(ram_quota + RUNTIME_ALLOWANCE);
	(void)write_kernel_file(path + (_version == Version::V2 ? "/memory.max" : "/memory.limit_in_bytes"), bytes);
}


void Memory_cgroups::remove(std::string const &path)
{
	if (!path.empty()) ::rmdir(path.c_str());
}
