/*
 * Sealing without root: detection, id maps and what is weaker
 */

#include "rootless.h"
#include "kernel_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nestbox/util/unique_fd.h>

using namespace Core;

namespace {

std::string first_line(char const *path)
{
	std::string const s = read_kernel_file(path);
	return s.substr(0, s.find('\n'));
}

/* What a sealed start needs, tried for real in a throw-away child */
enum Probe_step : int { PROBE_UNSHARE = 1, PROBE_MAP, PROBE_MOUNT };

std::optional<std::string> probe()
{
	int fds[2];
	if (::pipe2(fds, O_CLOEXEC) < 0)
		return std::string("cannot probe for user namespaces: ") + std::strerror(errno);
	nestbox::Unique_fd read_end(fds[0]), write_end(fds[1]);

	uid_t const uid = ::geteuid();
	gid_t const gid = ::getegid();
	pid_t const pid = ::fork();
	if (pid < 0) return std::string("cannot probe for user namespaces: ") + std::strerror(errno);
	if (pid == 0) {
		auto fail = [&] (int step) {
			int const report[2] { step, errno };
			(void)!::write(write_end.get(), report, sizeof(report));
			::_exit(1);
		};
		if (::unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
			fail(PROBE_UNSHARE);
		if (write_kernel_file("/proc/self/setgroups", "deny") && errno != ENOENT) fail(PROBE_MAP);
		if (write_kernel_file("/proc/self/uid_map", "65534 " + std::to_string(uid) + " 1")
		 || write_kernel_file("/proc/self/gid_map", "65534 " + std::to_string(gid) + " 1"))
			fail(PROBE_MAP);

		/* e.g. AppArmor may allow the namespace but not the capabilities in it */
		if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0
		 || ::mount("nestbox-probe", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k") < 0)
			fail(PROBE_MOUNT);
		::_exit(0);
	}
	write_end.reset();

	int report[2] { 0, 0 };
	ssize_t n;
	do { n = ::read(read_end.get(), report, sizeof(report)); } while (n < 0 && errno == EINTR);
	while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) { }
	if (n != sizeof(report)) return std::nullopt;

	char const *what = report[0] == PROBE_UNSHARE ? "creating a user namespace"
	                 : report[0] == PROBE_MAP     ? "mapping the user's ids into a user namespace"
	                 :                              "mounting in a user namespace";
	std::string reason = std::string(what) + " fails: " + std::strerror(report[1]);
	if (report[0] == PROBE_MOUNT && first_line("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1")
		reason += " (/proc/sys/kernel/apparmor_restrict_unprivileged_userns is 1)";
	return reason;
}

}


bool Rootless::active()
{
	static bool const rootless = ::geteuid() != 0;
	return rootless;
}


std::optional<std::string> Rootless::user_namespaces_unavailable()
{
	/* Debian's and older Ubuntu kernels' switch */
	if (first_line("/proc/sys/kernel/unprivileged_userns_clone") == "0")
		return std::string("unprivileged user namespaces are disabled "
		                   "(/proc/sys/kernel/unprivileged_userns_clone is 0)");
	if (first_line("/proc/sys/user/max_user_namespaces") == "0")
		return std::string("user namespaces are disabled (/proc/sys/user/max_user_namespaces is 0)");
	return probe();
}


std::optional<std::string> Rootless::map_ids(pid_t pid)
{
	std::string const proc = "/proc/" + std::to_string(pid);

	/* an unprivileged gid map needs setgroups denied first */
	if (int const err = write_kernel_file(proc + "/setgroups", "deny"))
		return std::string("cannot deny setgroups in its user namespace: ") + std::strerror(err);
	if (int const err = write_kernel_file(proc + "/uid_map", "65534 " + std::to_string(::geteuid()) + " 1"))
		return std::string("cannot map its user id: ") + std::strerror(err);
	if (int const err = write_kernel_file(proc + "/gid_map", "65534 " + std::to_string(::getegid()) + " 1"))
		return std::string("cannot map its group id: ") + std::strerror(err);
	return std::nullopt;
}


std::vector<std::string> Rootless::warnings(std::string const &memory_problem)
{
	std::vector<std::string> lines;
	std::string const uid = std::to_string(::geteuid()), gid = std::to_string(::getegid());

	lines.push_back("Warning: rootless: components share the invoking user's uid " + uid + " and gid " + gid
	                + " on the host (65534 inside their user namespaces): the kernel's per-user limits"
	                  " and permission checks see them as that user, not as a user of their own");

	if (int const groups = ::getgroups(0, nullptr); groups > 0)
		lines.push_back("Warning: rootless: components keep the invoking user's " + std::to_string(groups)
		                + " supplementary group(s): an unprivileged user namespace cannot drop them"
		                  " (setgroups is denied in it)");

	if (!memory_problem.empty())
		lines.push_back("Warning: rootless: no memory cgroup delegated to this user (" + memory_problem
		                + "): RAM quotas are not enforced by the kernel");
	return lines;
}
