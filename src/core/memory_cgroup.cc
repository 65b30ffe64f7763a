/*
 * One memory cgroup per component
 */

#include "memory_cgroup.h"

#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace Core;

namespace {

bool write_file(std::string const &path, std::string const &value)
{
	std::ofstream f(path);
	f << value;
	f.flush();
	return bool(f);
}

std::string read_file(std::string const &path)
{
	std::ifstream f(path);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

/* The cgroup core itself is in, for hierarchy 'match' ("0" for v2, "memory" for v1) */
std::string own_cgroup(std::string const &match)
{
	std::istringstream lines(read_file("/proc/self/cgroup"));
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

}


Memory_cgroups::Memory_cgroups()
{
	std::string const run = "/nestbox-" + std::to_string(::getpid());

	/* cgroup v2 with the memory controller, delegated to where core runs */
	if (read_file("/sys/fs/cgroup/cgroup.controllers").find("memory") != std::string::npos) {
		std::string const parent = "/sys/fs/cgroup" + own_cgroup("0");
		if (::mkdir((parent + run).c_str(), 0755) == 0) {
			_base = parent + run;
			if (write_file(_base + "/cgroup.subtree_control", "+memory")) { _version = Version::V2; return; }
			::rmdir(_base.c_str());
		}
	}

	/* cgroup v1's memory hierarchy */
	std::string const v1 = "/sys/fs/cgroup/memory";
	struct stat st { };
	if (::stat((v1 + "/memory.limit_in_bytes").c_str(), &st) == 0) {
		std::string const parent = v1 + own_cgroup("memory");
		if (::mkdir((parent + run).c_str(), 0755) == 0) {
			_base    = parent + run;
			_version = Version::V1;
		}
	}
}


Memory_cgroups::~Memory_cgroups()
{
	if (!_base.empty()) ::rmdir(_base.c_str());
}


std::string Memory_cgroups::limit(pid_t pid, uint64_t ram_quota)
{
	if (_version == Version::NONE) return { };

	std::string const path = _base + "/" + std::to_string(_next++);
	if (::mkdir(path.c_str(), 0755) < 0) return { };

	uint64_t const bytes = ram_quota + RUNTIME_ALLOWANCE;
	bool const limited = _version == Version::V2
		? write_file(path + "/memory.max", std::to_string(bytes)) && write_file(path + "/memory.swap.max", "0")
		: write_file(path + "/memory.limit_in_bytes", std::to_string(bytes));
	if (!limited || !write_file(path + "/cgroup.procs", std::to_string(pid))) {
		::rmdir(path.c_str());
		return { };
	}
	return path;
}


void Memory_cgroups::update(std::string const &path, uint64_t ram_quota)
{
	if (path.empty()) return;
	std::string const bytes = std::to_string(ram_quota + RUNTIME_ALLOWANCE);
	(void)write_file(path + (_version == Version::V2 ? "/memory.max" : "/memory.limit_in_bytes"), bytes);
}


void Memory_cgroups::remove(std::string const &path)
{
	if (!path.empty()) ::rmdir(path.c_str());
}
