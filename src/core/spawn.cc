/*
 * Starting a component process
 *
 * Unsealed: fork, move the environment to its descriptors, execveat.
 *
 * Sealed: clone3 into new namespaces. The first process of the new PID
 * namespace is a stub that seals the mounts, forks the component (PID 2, so
 * that it has ordinary signal semantics) and reports the component's wait
 * status to core. The component drops its privileges, installs the seccomp
 * filter, hands the notification listener to core and executes its binary;
 * core lets exactly this first execveat through.
 */

#include "spawn.h"
#include "sandbox.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nestbox/env.h>

using namespace Core;
using namespace nestbox;

namespace {

/* The descriptors of a component in the order of Env::Fd, then the binary */
enum { NUM_ENV_FDS = 8 };   /* stdin, stdout, stderr, parent, pd, cpu, log, binary */

constexpr unsigned long MAX_COMPONENT_FDS = 4096;

/* In the child: move 'sources' to 0..n-1 and close everything else */
void arrange_fds(int const *sources, int n)
{
	int high[16];
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

	char *argv[] = { const_cast<char *>(r.label.c_str()), nullptr };
	char *envp[] = { nullptr };
	int const sources[] = { dev_null, out.write.get(), out.write.get(), r.parent, r.pd, r.cpu, r.log,
	                        r.binary, exec.write.get() };
	constexpr int N = sizeof(sources) / sizeof(sources[0]);
	pid_t const core_pid = ::getpid();

	pid_t const pid = ::fork();
	if (pid < 0) return failure(Error::OUT_OF_RAM);
	if (pid == 0) {
		::prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (::getppid() != core_pid) ::_exit(127);
		::setpgid(0, 0);
		arrange_fds(sources, N);
		::fcntl(N - 2, F_SETFD, FD_CLOEXEC);
		::fcntl(N - 1, F_SETFD, FD_CLOEXEC);
		reset_signals();
		if (r.nice) ::setpriority(PRIO_PROCESS, 0, r.nice);
		::syscall(SYS_execveat, N - 2, "", argv, envp, AT_EMPTY_PATH);
		exec_failed(N - 1);
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
	Pipe exec, status;
	if (!exec.open() || !status.open(O_CLOEXEC | O_NONBLOCK)) return failure(Error::OUT_OF_CAPS);

	int control[2];
	if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) < 0) return failure(Error::OUT_OF_CAPS);
	Unique_fd control_core(control[0]), control_child(control[1]);

	Sandbox::Plan plan;
	plan.dynamic = Sandbox::needs_interpreter(r.binary);

	char *argv[] = { const_cast<char *>(r.label.c_str()), nullptr };
	char *envp[] = { nullptr };
	int const sources[] = { dev_null, out.write.get(), out.write.get(), r.parent, r.pd, r.cpu, r.log,
	                        r.binary, exec.write.get(), control_child.get() };
	constexpr int N = sizeof(sources) / sizeof(sources[0]);

	int pidfd = -1;
	clone_args args { };
	args.flags       = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_PIDFD;
	args.pidfd       = uint64_t(uintptr_t(&pidfd));
	args.exit_signal = SIGCHLD;

	long const stub = ::syscall(SYS_clone3, &args, sizeof(args));
	if (stub < 0) {
		problem = std::string("cannot create its namespaces: ") + std::strerror(errno)
		        + " (sealing needs root; 'nestbox run --unsealed' runs components unsealed)";
		return failure(Error::DENIED);
	}

	if (stub == 0) {
		/* the stub: PID 1 of the component's namespace */
		::prctl(PR_SET_PDEATHSIG, SIGKILL);
		reset_signals();
		::sethostname("nestbox", 7);
		if (!Sandbox::seal_mounts(plan)) exec_failed(exec.write.get());

		pid_t const component = ::fork();
		if (component == 0) {
			::prctl(PR_SET_PDEATHSIG, SIGKILL);
			::setpgid(0, 0);
			arrange_fds(sources, N);
			for (int fd = NUM_ENV_FDS - 1; fd < N; fd++) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
			if (r.nice) ::setpriority(PRIO_PROCESS, 0, r.nice);
			if (!Sandbox::drop_privileges(MAX_COMPONENT_FDS)) exec_failed(N - 2);
			if (!Sandbox::install_filter(N - 1)) exec_failed(N - 2);
			::syscall(SYS_execveat, NUM_ENV_FDS - 1, "", argv, envp, AT_EMPTY_PATH);
			exec_failed(N - 2);
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
