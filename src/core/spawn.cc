/*
 * Starting a component process
 *
 * Unsealed: fork, move the environment to its descriptors, execveat.
 *
 * Sealed: clone3 into new namespaces (for an ordinary user, with a user
 * namespace of their own: see rootless.h). The first process of the new PID
 * namespace is a stub that waits until core has mapped its ids and put it
 * into its cgroup, seals the mounts, forks the component (PID 2, so that it
 * has ordinary signal semantics) and reports the component's wait status to
 * core. The component drops its privileges, installs the seccomp
 * filter, hands the notification listener to core and executes its binary;
 * core lets exactly this first execveat through.
 */

#include "spawn.h"
#include "rootless.h"
#include "sandbox.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nestbox/env.h>

using namespace Core;
using namespace nestbox;

namespace {

/* stdin, stdout, stderr, parent, pd, cpu, log (Env::Fd); host resources follow */
enum { NUM_ENV_FDS = 7 };

/*
 * All descriptors of a new component, in their final order: the environment,
 * the host resources, then what only the start needs (close-on-exec): the
 * binary, the exec-error pipe and, when sealed, the control socket.
 */
struct Fd_layout
{
	std::vector<int> sources { };
	int binary = -1, exec_report = -1, control = -1;

	Fd_layout(Spawn_request const &r, int dev_null, int out, int exec_write, int control_fd)
	{
		sources = { dev_null, out, out, r.parent, r.pd, r.cpu, r.log };
		for (auto const &h : r.host.fds) sources.push_back(h.fd.get());
		binary      = int(sources.size()); sources.push_back(r.binary);
		exec_report = int(sources.size()); sources.push_back(exec_write);
		if (control_fd >= 0) { control = int(sources.size()); sources.push_back(control_fd); }
	}

	int  count() const { return int(sources.size()); }
	void mark_start_only() const { for (int fd = binary; fd < count(); fd++) ::fcntl(fd, F_SETFD, FD_CLOEXEC); }
};

/*
 * A component may open as many descriptors as core may (core raised its soft
 * limit to the hard one at start), at most MAX_COMPONENT_FDS: init needs a
 * few per child, a leaking component stops at its own limit.
 */
constexpr unsigned long MAX_COMPONENT_FDS = 65536;

unsigned long component_fd_limit()
{
	rlimit files { };
	if (::getrlimit(RLIMIT_NOFILE, &files) < 0) return 4096;
	return std::min<unsigned long>(files.rlim_max, MAX_COMPONENT_FDS);
}

/* In the child: move 'sources' to 0..n-1 and close everything else */
void arrange_fds(int const *sources, int n)
{
	int high[64];
	if (n > 64) ::_exit(127);
	for (int i = 0; i < n; i++) high[i] = ::fcntl(sources[i], F_DUPFD, 100);
	for (int i = 0; i < n; i++) ::dup2(high[i], i);
	::syscall(SYS_close_range, n, ~0U, 0);
}

void reset_signals()
{
	sigset_t none;
	sigemptyset(&none);
	::sigprocmask(SIG_SETMASK, &none, nullptr);
	for (int s = 1; s < NSIG; s++) ::signal(s, SIG_DFL);
}

[[noreturn]] void exec_failed(int report_fd)
{
	int const err = errno;
	(void)!::write(report_fd, &err, sizeof(err));
	::_exit(127);
}

struct Pipe
{
	Unique_fd read, write;
	bool open(int flags = O_CLOEXEC)
	{
		int fds[2];
		if (::pipe2(fds, flags) < 0) return false;
		read.reset(fds[0]); write.reset(fds[1]);
		return true;
	}
};

/* execve either closes the pipe or reports why it failed: returns errno or 0 */
int exec_result(int read_end)
{
	int err = 0;
	ssize_t n;
	do { n = ::read(read_end, &err, sizeof(err)); } while (n < 0 && errno == EINTR);
	return n == sizeof(err) ? err : 0;
}

}


static Result<Spawned> spawn_unsealed(Spawn_request const &r, int dev_null, Pipe &out, std::string &problem)
{
	Pipe exec;
	if (!exec.open()) return failure(Error::OUT_OF_CAPS);

	std::string const host_env = "NESTBOX_HOST=" + r.host.environment();
	std::string const display  = "DISPLAY=" + r.host.x11_display;
	char *argv[] = { const_cast<char *>(r.label.c_str()), nullptr };
	char *envp[] = { const_cast<char *>(host_env.c_str()),
	                 r.host.x11_display.empty() ? nullptr : const_cast<char *>(display.c_str()), nullptr };
	Fd_layout const fds(r, dev_null, out.write.get(), exec.write.get(), -1);
	pid_t const core_pid = ::getpid();

	pid_t const pid = ::fork();
	if (pid < 0) return failure(Error::OUT_OF_RAM);
	if (pid == 0) {
		::prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (::getppid() != core_pid) ::_exit(127);
		::setpgid(0, 0);
		arrange_fds(fds.sources.data(), fds.count());
		fds.mark_start_only();
		reset_signals();
		if (r.nice) ::setpriority(PRIO_PROCESS, 0, r.nice);
		::syscall(SYS_execveat, fds.binary, "", argv, envp, AT_EMPTY_PATH);
		exec_failed(fds.exec_report);
	}

	Spawned s;
	s.pid = s.component_pid = pid;
	s.pidfd.reset(int(::syscall(SYS_pidfd_open, pid, 0)));
	exec.write.reset();
	if (int const err = exec_result(exec.read.get())) {
		::waitpid(pid, nullptr, 0);
		problem = std::string("cannot execute its binary: ") + std::strerror(err);
		return failure(Error::INVALID_ARGS);
	}
	return s;
}


/* Core's side of the first execveat: let exactly that one through */
static bool allow_first_exec(int listener, pid_t &component_pid)
{
	seccomp_notif      *req  = nullptr;
	seccomp_notif_resp *resp = nullptr;
	if (seccomp_notify_alloc(&req, &resp) != 0) return false;

	bool ok = false;
	pollfd p { listener, POLLIN, 0 };
	if (::poll(&p, 1, 10000) == 1 && seccomp_notify_receive(listener, req) == 0) {
		resp->id    = req->id;
		resp->error = 0;
		resp->val   = 0;
		if (req->data.nr == SCMP_SYS(execveat)) {
			resp->flags   = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
			component_pid = pid_t(req->pid);
			ok = true;
		} else {
			resp->flags = 0;
			resp->error = -EPERM;
		}
		(void)seccomp_notify_respond(listener, resp);
	}
	seccomp_notify_free(req, resp);
	return ok;
}


static Result<Spawned> spawn_sealed(Spawn_request const &r, int dev_null, Pipe &out, std::string &problem)
{
	Pipe exec, status, go;
	if (!exec.open() || !status.open(O_CLOEXEC | O_NONBLOCK) || !go.open()) return failure(Error::OUT_OF_CAPS);

	int control[2];
	if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) < 0) return failure(Error::OUT_OF_CAPS);
	Unique_fd control_core(control[0]), control_child(control[1]);

	Sandbox::Plan plan;
	plan.dynamic = Sandbox::needs_interpreter(r.binary);
	for (auto const &d : r.host.directories) plan.directories.push_back({ d.path, d.writeable });

	Sandbox::Filter_extras extras;
	extras.tcp         = r.host.tcp;
	extras.files       = r.host.files;
	extras.loader      = plan.dynamic;
	extras.x11         = !r.host.x11_display.empty();
	extras.directories = !r.host.directories.empty();
	extras.writeable   = false;
	for (auto const &d : r.host.directories) extras.writeable |= d.writeable;
	for (size_t i = 0; i < r.host.fds.size(); i++)
		if (r.host.fds[i].device) extras.device_fds.push_back(int(NUM_ENV_FDS + i));

	std::string const host_env = "NESTBOX_HOST=" + r.host.environment();
	std::string const display  = "DISPLAY=" + r.host.x11_display;
	char *argv[] = { const_cast<char *>(r.label.c_str()), nullptr };
	char *envp[] = { const_cast<char *>(host_env.c_str()),
	                 r.host.x11_display.empty() ? nullptr : const_cast<char *>(display.c_str()), nullptr };
	Fd_layout const fds(r, dev_null, out.write.get(), exec.write.get(), control_child.get());

	bool const rootless = Rootless::active();

	int pidfd = -1;
	clone_args args { };
	args.flags       = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_PIDFD
	                 | (rootless ? CLONE_NEWUSER : 0);
	args.pidfd       = uint64_t(uintptr_t(&pidfd));
	args.exit_signal = SIGCHLD;

	long const stub = ::syscall(SYS_clone3, &args, sizeof(args));
	if (stub < 0) {
		problem = std::string(rootless ? "cannot create its user namespace and namespaces: "
		                               : "cannot create its namespaces: ") + std::strerror(errno)
		        + " ('nestbox run --unsealed' runs components unsealed)";
		return failure(Error::DENIED);
	}

	if (stub == 0) {
		/* the stub: PID 1 of the component's namespace */
		::prctl(PR_SET_PDEATHSIG, SIGKILL);
		reset_signals();
		::sethostname("nestbox", 7);

		/*
		 * Core maps the ids of the stub's user namespace (rootless: files
		 * cannot be created before) and puts the stub into the component's
		 * cgroup (which then pays for the root's tmpfs, too)
		 */
		go.write.reset();
		char byte;
		if (::read(go.read.get(), &byte, 1) != 1) ::_exit(126);

		if (!Sandbox::seal_mounts(plan)) exec_failed(exec.write.get());

		pid_t const component = ::fork();
		if (component == 0) {
			::prctl(PR_SET_PDEATHSIG, SIGKILL);
			::setpgid(0, 0);
			arrange_fds(fds.sources.data(), fds.count());
			fds.mark_start_only();
			if (r.nice) ::setpriority(PRIO_PROCESS, 0, r.nice);
			if (!Sandbox::drop_privileges(component_fd_limit(), rootless)) exec_failed(fds.exec_report);
			if (!Sandbox::install_filter(fds.control, extras)) exec_failed(fds.exec_report);
			::syscall(SYS_execveat, fds.binary, "", argv, envp, AT_EMPTY_PATH);
			exec_failed(fds.exec_report);
		}

		/* keep only the status pipe: the component's descriptors are its own */
		int const status_fd = status.write.get();
		if (status_fd > 0) ::syscall(SYS_close_range, 0, status_fd - 1, 0);
		::syscall(SYS_close_range, status_fd + 1, ~0U, 0);
		if (component < 0) ::_exit(126);

		int wstatus = 0;
		while (::waitpid(component, &wstatus, 0) < 0 && errno == EINTR) { }
		(void)!::write(status_fd, &wstatus, sizeof(wstatus));
		::_exit(0);
	}

	Spawned s;
	s.pid = pid_t(stub);
	s.pidfd.reset(pidfd);

	if (rootless)
		if (auto const why = Rootless::map_ids(s.pid)) {
			::kill(s.pid, SIGKILL);
			::waitpid(s.pid, nullptr, 0);
			problem = "cannot be sealed: " + *why;
			return failure(Error::DENIED);
		}

	if (r.before_fork) r.before_fork(s.pid);
	go.read.reset();
	(void)!::write(go.write.get(), "g", 1);
	go.write.reset();
	s.status = std::move(status.read);
	status.write.reset();
	exec.write.reset();
	control_child.reset();

	auto fail = [&] (std::string const &why) -> Result<Spawned> {
		::kill(s.pid, SIGKILL);
		::waitpid(s.pid, nullptr, 0);
		problem = why;
		return failure(Error::INVALID_ARGS);
	};

	/* the listener arrives, or the control socket closes because something failed */
	{
		char byte;
		iovec iov { &byte, 1 };
		alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
		msghdr msg { };
		msg.msg_iov = &iov;  msg.msg_iovlen = 1;
		msg.msg_control = cbuf;  msg.msg_controllen = sizeof(cbuf);
		ssize_t n;
		do { n = ::recvmsg(control_core.get(), &msg, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
		cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : nullptr;
		if (c && c->cmsg_type == SCM_RIGHTS)
			s.listener.reset(*reinterpret_cast<int *>(CMSG_DATA(c)));
	}
	if (!s.listener.valid()) {
		int const err = exec_result(exec.read.get());
		return fail(std::string("cannot be sealed: ") + std::strerror(err ? err : EPERM));
	}

	if (!allow_first_exec(s.listener.get(), s.component_pid))
		return fail("did not execute its binary first");

	if (int const err = exec_result(exec.read.get()))
		return fail(std::string("cannot execute its binary: ") + std::strerror(err));

	return s;
}


Result<Host_resources> Host_resources::open(std::string const &grants, std::string &problem)
{
	Host_resources h;
	std::string_view rest = grants;
	while (!rest.empty()) {
		size_t const bar = rest.find('|');
		std::string const grant(rest.substr(0, bar));
		rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);

		if (grant.starts_with("tcp:")) {
			/* tcp:ADDRESS:PORT, the address possibly IPv6 */
			size_t const colon = grant.rfind(':');
			std::string const address = grant.substr(4, colon - 4);
			int const port = std::atoi(grant.c_str() + colon + 1);
			sockaddr_storage ss { };
			socklen_t len = 0;
			auto *v4 = reinterpret_cast<sockaddr_in *>(&ss);
			auto *v6 = reinterpret_cast<sockaddr_in6 *>(&ss);
			if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
				v4->sin_family = AF_INET;  v4->sin_port = htons(uint16_t(port));  len = sizeof(*v4);
			} else if (::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
				v6->sin6_family = AF_INET6;  v6->sin6_port = htons(uint16_t(port));  len = sizeof(*v6);
			} else {
				problem = "invalid host address \"" + address + "\"";
				return failure(Error::INVALID_ARGS);
			}
			Unique_fd fd(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
			int const one = 1;
			::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (!fd.valid() || ::bind(fd.get(), reinterpret_cast<sockaddr *>(&ss), len) < 0
			 || ::listen(fd.get(), 128) < 0) {
				problem = "cannot listen on " + address + " port " + std::to_string(port) + ": " + std::strerror(errno);
				return failure(Error::UNAVAILABLE);
			}
			h.fds.push_back(Fd { grant, std::move(fd), false });
			h.tcp = true;
		} else if (grant.starts_with("device:")) {
			std::string const path = grant.substr(7);
			Unique_fd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY));
			if (!fd.valid()) {
				problem = "cannot open device " + path + ": " + std::strerror(errno);
				return failure(Error::UNAVAILABLE);
			}
			h.fds.push_back(Fd { grant, std::move(fd), true });
		} else if (grant.starts_with("file-ro:") || grant.starts_with("file-rw:")) {
			/*
			 * A file or block device for a block driver: with O_DIRECT where the
			 * file system allows it (tmpfs does not), so that the driver's I/O
			 * bypasses the page cache as fio's does; the driver sees which with
			 * fcntl(F_GETFL)
			 */
			std::string const path = grant.substr(8);
			int const access = grant[5] == 'r' && grant[6] == 'w' ? O_RDWR : O_RDONLY;
			Unique_fd fd(::open(path.c_str(), access | O_CLOEXEC | O_NOCTTY | O_DIRECT));
			if (!fd.valid() && errno == EINVAL)
				fd.reset(::open(path.c_str(), access | O_CLOEXEC | O_NOCTTY));
			if (!fd.valid()) {
				problem = "cannot open file " + path + ": " + std::strerror(errno);
				return failure(Error::UNAVAILABLE);
			}
			struct stat st { };
			if (::fstat(fd.get(), &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
				problem = "not a regular file or block device: " + path;
				return failure(Error::UNAVAILABLE);
			}
			/* a block device answers its size by ioctl (BLKGETSIZE64): allowed on it alone */
			h.fds.push_back(Fd { grant, std::move(fd), S_ISBLK(st.st_mode) });
			h.files = true;
		} else if (grant.starts_with("dir-ro:") || grant.starts_with("dir-rw:")) {
			std::string const path = grant.substr(7);
			struct stat st { };
			if (::stat(path.c_str(), &st) < 0 || !S_ISDIR(st.st_mode)) {
				problem = "no directory " + path;
				return failure(Error::UNAVAILABLE);
			}
			h.directories.push_back(Directory { path, grant[4] == 'r' && grant[5] == 'w' });
		} else if (grant.starts_with("tap:")) {
			/* tap:NAME@NETNS, or tap:NAME@ on the host (see Host_grant) */
			size_t const at = grant.find('@');
			if (at == std::string::npos) {
				problem = "invalid TAP grant \"" + grant + "\"";
				return failure(Error::INVALID_ARGS);
			}
			auto tap = open_tap(grant.substr(4, at - 4), grant.substr(at + 1), problem);
			if (!tap) return failure(tap.error());
			h.fds.push_back(Fd { grant, std::move(tap->fd), false });
			if (tap->netns.valid()) h.namespaces.push_back(std::move(tap->netns));
		} else if (grant.starts_with("x11:")) {
			/* the X server's sockets, read-only (connecting needs no write access) */
			h.x11_display = grant.substr(4);
			struct stat st { };
			if (::stat("/tmp/.X11-unix", &st) < 0 || !S_ISDIR(st.st_mode)) {
				problem = "no X server sockets in /tmp/.X11-unix";
				return failure(Error::UNAVAILABLE);
			}
			h.directories.push_back(Directory { "/tmp/.X11-unix", false });
		} else if (!grant.empty()) {
			problem = "unknown host resource \"" + grant + "\"";
			return failure(Error::INVALID_ARGS);
		}
	}
	return h;
}


std::string Host_resources::environment() const
{
	/* appended piecewise: '"|" + std::string' trips GCC 12's -Wrestrict
	   false positive at -O3 (Release, -Werror) */
	std::string env;
	auto separate = [&env] { if (!env.empty()) env += '|'; };
	for (size_t i = 0; i < fds.size(); i++) {
		separate();
		env.append(fds[i].name).append("=").append(std::to_string(NUM_ENV_FDS + i));
	}
	for (auto const &d : directories) {
		separate();
		env.append(d.writeable ? "dir-rw:" : "dir-ro:").append(d.path);
	}
	return env;
}


Result<Spawned> Core::spawn(Spawn_request const &r, std::string &problem)
{
	Unique_fd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
	Pipe out;
	if (!out.open()) return failure(Error::OUT_OF_CAPS);

	auto spawned = r.sealed ? spawn_sealed(r, dev_null.get(), out, problem)
	                        : spawn_unsealed(r, dev_null.get(), out, problem);
	if (!spawned) return spawned;

	/* non-blocking: a leftover writer must never stall core */
	::fcntl(out.read.get(), F_SETFL, O_NONBLOCK);
	spawned->output = std::move(out.read);
	return spawned;
}
