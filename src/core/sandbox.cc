/*
 * Sealing a component before it runs
 */

#include "sandbox.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <grp.h>
#include <initializer_list>
#include <sched.h>
#include <elf.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

using namespace Core;

bool Sandbox::needs_interpreter(int fd)
{
	Elf64_Ehdr eh { };
	if (::pread(fd, &eh, sizeof(eh), 0) != sizeof(eh)) return false;
	if (eh.e_ident[EI_MAG0] != ELFMAG0 || eh.e_ident[EI_MAG1] != ELFMAG1 || eh.e_ident[EI_CLASS] != ELFCLASS64)
		return false;
	for (unsigned i = 0; i < eh.e_phnum && i < 256; i++) {
		Elf64_Phdr ph { };
		if (::pread(fd, &ph, sizeof(ph), off_t(eh.e_phoff + i * eh.e_phentsize)) != sizeof(ph)) return false;
		if (ph.p_type == PT_INTERP) return true;
	}
	return false;
}


namespace {

/* Directories a dynamically linked binary needs to be loaded */
char const *const library_dirs[] = { "/lib", "/lib64", "/usr/lib", "/usr/lib64" };

/*
 * The flags of the mount 'path' is on that a bind mount of it must keep.
 * In a user namespace (rootless), a bind mount of a host mount may not
 * clear them: a remount without them fails with EPERM. Under root, keeping
 * them only keeps the bind mount as restricted as its source.
 */
unsigned long source_flags(char const *path)
{
	struct statfs st { };
	if (::statfs(path, &st) < 0) return 0;
	return (st.f_flags & ST_RDONLY ? MS_RDONLY : 0) | (st.f_flags & ST_NOEXEC ? MS_NOEXEC : 0);
}

bool bind_read_only(char const *source, char const *target)
{
	if (::mount(source, target, nullptr, MS_BIND | MS_REC, nullptr) < 0) return false;
	return ::mount(nullptr, target, nullptr,
	               MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | source_flags(target), nullptr) == 0;
}

}


bool Sandbox::seal_mounts(Plan const &plan)
{
	/* nothing of what follows may propagate back to the host */
	if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) return false;

	/*
	 * Granted directories are opened before the new root hides the old one's
	 * /tmp; they are bound in from /proc/self/fd further down.
	 */
	int granted[16];
	size_t const num_granted = plan.directories.size() < 16 ? plan.directories.size() : 16;
	for (size_t i = 0; i < num_granted; i++) {
		granted[i] = ::open(plan.directories[i].path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (granted[i] < 0) return false;
	}

	/* the new root: a tiny tmpfs on top of an existing directory of the old one */
	char const *const root = "/tmp";
	if (::mount("nestbox-root", root, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16k,mode=0755") < 0)
		return false;
	if (::mkdir("/tmp/.old", 0700) < 0) return false;

	if (plan.dynamic) {
		for (char const *dir : library_dirs) {
			struct stat st { };
			if (::lstat(dir, &st) < 0) continue;
			char target[64] = "/tmp";
			size_t len = 4;
			for (char const *p = dir; *p && len + 1 < sizeof(target); p++) target[len++] = *p;
			target[len] = 0;
			if (S_ISLNK(st.st_mode)) {
				/* usrmerge: /lib -> usr/lib; keep the link */
				char link[64];
				ssize_t const n = ::readlink(dir, link, sizeof(link) - 1);
				if (n <= 0) continue;
				link[n] = 0;
				if (::symlink(link, target) < 0) return false;
				continue;
			}
			if (!S_ISDIR(st.st_mode)) continue;
			/* /usr must exist for /usr/lib */
			if (dir[1] == 'u') ::mkdir("/tmp/usr", 0755);
			if (::mkdir(target, 0755) < 0 && errno != EEXIST) return false;
			if (!bind_read_only(dir, target)) return false;
		}
	}

	/* granted host directories appear at their own path, read-only unless writeable */
	for (size_t i = 0; i < num_granted; i++) {
		auto const &d = plan.directories[i];
		char source[64] = "/proc/self/fd/";
		size_t slen = 14;
		char digits[12];
		int ndigits = 0;
		for (int v = granted[i]; v > 0 || ndigits == 0; v /= 10) digits[ndigits++] = char('0' + v % 10);
		while (ndigits) source[slen++] = digits[--ndigits];
		source[slen] = 0;

		char target[512] = "/tmp";
		size_t len = 4;
		for (char const *p = d.path.c_str(); *p && len + 1 < sizeof(target); p++) {
			if (*p == '/' && len > 4) { target[len] = 0; ::mkdir(target, 0755); }
			target[len++] = *p;
		}
		target[len] = 0;
		if (::mkdir(target, 0755) < 0 && errno != EEXIST) return false;
		if (::mount(source, target, nullptr, MS_BIND | MS_REC, nullptr) < 0) return false;
		::close(granted[i]);
		unsigned long const ro = d.writeable ? 0 : MS_RDONLY;
		if (::mount(nullptr, target, nullptr,
		            MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | ro | source_flags(target), nullptr) < 0)
			return false;
	}

	if (::syscall(SYS_pivot_root, root, "/tmp/.old") < 0) return false;
	if (::chdir("/") < 0) return false;
	if (::umount2("/.old", MNT_DETACH) < 0) return false;
	::rmdir("/.old");

	/* the root itself becomes read-only (a remount sets all flags anew: noexec again) */
	return ::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
	               nullptr) == 0;
}


bool Sandbox::drop_privileges(unsigned long max_fds, bool user_namespace)
{
	/* the bounding set first: dropping it needs CAP_SETPCAP, which goes next */
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) return false;
	if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) return false;

	/*
	 * An unprivileged identity: switching from root clears every capability.
	 * In a user namespace of an ordinary user (Rootless), 65534 is the only
	 * id there is, the process already has it, and setgroups is denied: the
	 * supplementary groups stay core's (core warns about it).
	 */
	gid_t const nogroup = 65534;
	uid_t const nobody  = 65534;
	if (!user_namespace && ::setgroups(0, nullptr) < 0)   return false;
	if (::setresgid(nogroup, nogroup, nogroup) < 0)       return false;
	if (::setresuid(nobody, nobody, nobody) < 0)          return false;

	__user_cap_header_struct header { _LINUX_CAPABILITY_VERSION_3, 0 };
	__user_cap_data_struct   data[2] { };
	if (::syscall(SYS_capset, &header, data) < 0) return false;

	if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return false;
	if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)     return false;

	rlimit const none  { 0, 0 };
	rlimit const files { max_fds, max_fds };
	::setrlimit(RLIMIT_CORE,  &none);
	::setrlimit(RLIMIT_NOFILE, &files);
	return true;
}


/*
 * libseccomp's SCMP_A0..5 macros build a scmp_arg_cmp without datum_b for a
 * comparison with one operand, which clang reports for every use as
 * -Wmissing-field-initializers (GCC does not); the field is meant to be zero.
 */
#ifdef __clang__
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wmissing-field-initializers"
#endif

/*
 * The allowlist. Each entry is what libnestbox or the C/C++ runtime of a
 * static binary needs; docs/SECURITY.md gives the reason for each. Anything
 * else reaches core, which kills the component and reports the call.
 */
bool Sandbox::install_filter(int control, Filter_extras const &extras)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_NOTIFY);
	if (!ctx) return false;

	bool ok = true;
	auto allow = [&] (int nr, unsigned argc = 0, scmp_arg_cmp const *args = nullptr) {
		ok = ok && seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, argc, args) == 0; };
	auto allow_if = [&] (int nr, scmp_arg_cmp cmp) { allow(nr, 1, &cmp); };

	/* channels, signals and the entrypoint */
	for (int nr : { SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	                SCMP_SYS(pwritev2), SCMP_SYS(close), SCMP_SYS(sendmsg), SCMP_SYS(recvmsg),
	                SCMP_SYS(sendto), SCMP_SYS(recvfrom), SCMP_SYS(shutdown),
	                SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait),
	                SCMP_SYS(epoll_pwait), SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(pipe2),
	                SCMP_SYS(fcntl), SCMP_SYS(dup), SCMP_SYS(dup2), SCMP_SYS(dup3), SCMP_SYS(fstat),
	                SCMP_SYS(lseek) })
		allow(nr);
	allow_if(SCMP_SYS(socketpair), SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	allow_if(SCMP_SYS(newfstatat), SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH));

	/* memory */
	for (int nr : { SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(mprotect),
	                SCMP_SYS(madvise), SCMP_SYS(brk) })
		allow(nr);

	/* threads, time, signals to itself, the runtime's start-up and exit */
	for (int nr : { SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(set_tid_address),
	                SCMP_SYS(arch_prctl), SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
	                SCMP_SYS(rt_sigreturn), SCMP_SYS(sigaltstack), SCMP_SYS(clock_gettime),
	                SCMP_SYS(clock_getres), SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	                SCMP_SYS(pause), SCMP_SYS(rt_sigsuspend), SCMP_SYS(rt_sigtimedwait),
	                SCMP_SYS(gettimeofday), SCMP_SYS(getpid), SCMP_SYS(getppid), SCMP_SYS(gettid), SCMP_SYS(getuid),
	                SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid), SCMP_SYS(getresuid),
	                SCMP_SYS(getresgid), SCMP_SYS(sched_yield),
	                SCMP_SYS(sched_getaffinity), SCMP_SYS(getrandom), SCMP_SYS(restart_syscall),
	                SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(uname) })
		allow(nr);
	allow_if(SCMP_SYS(prlimit64), SCMP_A2(SCMP_CMP_EQ, 0));            /* reading limits only */

	/*
	 * glibc's sysconf(_SC_PHYS_PAGES, _SC_AVPHYS_PAGES) ask sysinfo and
	 * ignore its failure (they would compute from an uninitialised struct),
	 * so an error is no answer: the component may know the host's memory,
	 * load and uptime. Found by audit mode (docs/SECURITY.md).
	 */
	allow(SCMP_SYS(sysinfo));
	allow_if(SCMP_SYS(clone), SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	allow_if(SCMP_SYS(prctl), SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
	allow_if(SCMP_SYS(prctl), SCMP_A0(SCMP_CMP_EQ, PR_GET_NAME));
	allow_if(SCMP_SYS(prctl), SCMP_A0(SCMP_CMP_EQ, PR_CAPBSET_READ));   /* libcap asks; the answer is "none" */

	/* signals only to itself: the component is PID 2 of its namespace */
	allow_if(SCMP_SYS(tgkill), SCMP_A0(SCMP_CMP_EQ, 2));
	allow_if(SCMP_SYS(kill),   SCMP_A0(SCMP_CMP_EQ, 2));

	/*
	 * A dynamically linked binary: ld.so opens and maps its libraries, read
	 * only, from the library directories bound into the otherwise empty root
	 */
	if (extras.loader) {
		allow_if(SCMP_SYS(openat), SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_RDONLY));
		for (int nr : { SCMP_SYS(access), SCMP_SYS(faccessat), SCMP_SYS(pread64), SCMP_SYS(newfstatat),
		                SCMP_SYS(statfs), SCMP_SYS(readlinkat) })
			allow(nr);
	}

	/*
	 * An X client: a Unix-domain socket to the server (the root holds only
	 * /tmp/.X11-unix), and SysV shared memory for MIT-SHM, which lives in the
	 * component's own IPC namespace and so stays its own
	 */
	if (extras.x11) {
		allow_if(SCMP_SYS(socket), SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
		for (int nr : { SCMP_SYS(connect), SCMP_SYS(shmget), SCMP_SYS(shmat), SCMP_SYS(shmdt),
		                SCMP_SYS(shmctl) })
			allow(nr);
		if (!extras.tcp)   /* the TCP grant allows these already */
			for (int nr : { SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(getpeername),
			                SCMP_SYS(getsockname) })
				allow(nr);
	}

	/* what granted host resources need */
	if (extras.tcp)
		for (int nr : { SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
		                SCMP_SYS(setsockopt), SCMP_SYS(getsockopt) })
			allow(nr);
	for (int fd : extras.device_fds)
		allow_if(SCMP_SYS(ioctl), SCMP_A0(SCMP_CMP_EQ, unsigned(fd)));

	/*
	 * A granted file (a block driver's disk): positioned I/O, flushing and
	 * punching holes (trim) on descriptors the component holds, and io_uring,
	 * whose requests the kernel checks against the same descriptors. The
	 * root stays empty: nothing here opens a path.
	 */
	if (extras.files)
		for (int nr : { SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv), SCMP_SYS(pwritev),
		                SCMP_SYS(preadv2), SCMP_SYS(fsync), SCMP_SYS(fdatasync), SCMP_SYS(fallocate),
		                SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register) })
			allow(nr);
	/* a TAP driver batches its reads and writes with io_uring, on the descriptor it holds */
	if (extras.tap && !extras.files)
		for (int nr : { SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register) })
			allow(nr);
	if (extras.directories) {
		/* the root holds nothing but the granted directories (seal_mounts) */
		for (int nr : { SCMP_SYS(openat), SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(getdents64),
		                SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(readlinkat), SCMP_SYS(pread64),
		                SCMP_SYS(fsync), SCMP_SYS(fdatasync) })
			allow(nr);
		if (extras.writeable)
			for (int nr : { SCMP_SYS(mkdirat), SCMP_SYS(unlinkat), SCMP_SYS(renameat), SCMP_SYS(renameat2),
			                SCMP_SYS(ftruncate), SCMP_SYS(fallocate), SCMP_SYS(pwrite64) })
				allow(nr);
	}

	/* glibc falls back to clone(2), whose flags the filter can see */
	ok = ok && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) == 0;

	/* a static glibc looks for its own path at start; there is none to find */
	ok = ok && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOENT), SCMP_SYS(readlink), 0) == 0;

	/*
	 * The i386 and x32 entries are other ways into the kernel: none of their
	 * calls is allowed. Added after the rules, they get none of them, and
	 * every call through them is reported like any forbidden call.
	 */
	for (uint32_t arch : { SCMP_ARCH_X86, SCMP_ARCH_X32 })
		if (seccomp_arch_exist(ctx, arch) == -EEXIST)
			ok = ok && seccomp_arch_add(ctx, arch) == 0;

	if (!ok || seccomp_load(ctx) != 0) { seccomp_release(ctx); return false; }

	int const listener = seccomp_notify_fd(ctx);
	seccomp_release(ctx);
	if (listener < 0) return false;

	/* hand the listener to core, which answers every call not on the list */
	char byte = 0;
	iovec iov { &byte, 1 };
	alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
	msghdr msg { };
	msg.msg_iov = &iov;  msg.msg_iovlen = 1;
	msg.msg_control = cbuf;  msg.msg_controllen = sizeof(cbuf);
	cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;  c->cmsg_type = SCM_RIGHTS;  c->cmsg_len = CMSG_LEN(sizeof(int));
	*reinterpret_cast<int *>(CMSG_DATA(c)) = listener;
	bool const sent = ::sendmsg(control, &msg, MSG_NOSIGNAL) == 1;
	::close(listener);
	return sent;
}
#ifdef __clang__
#pragma clang diagnostic pop
#endif


char const *Sandbox::syscall_name(int nr, uint32_t arch)
{
	static char name[64];
	char *resolved = seccomp_syscall_resolve_num_arch(arch, nr);
	if (!resolved) {
		snprintf(name, sizeof(name), "%d", nr);
		return name;
	}
	size_t i = 0;
	for (; resolved[i] && i + 1 < sizeof(name); i++) name[i] = resolved[i];
	name[i] = 0;
	free(resolved);

	/* a call through a foreign entry says so */
	char const *abi = arch == SCMP_ARCH_X86 ? " (i386)" : arch == SCMP_ARCH_X32 ? " (x32)" : "";
	for (char const *p = abi; *p && i + 1 < sizeof(name); p++) name[i++] = *p;
	name[i] = 0;
	return name;
}


/*
 * A NUL-terminated string of another process, at most 'size' - 1 bytes of
 * it. The read is split at the page boundary: one that would cross into an
 * unmapped page fails as a whole, though the string may end before it.
 * Returns false if nothing could be read.
 */
static bool read_string(pid_t pid, uint64_t address, char *buf, size_t size)
{
	uintptr_t const at = uintptr_t(address);
	size_t const max = size - 1;
	size_t const first = std::min(max, size_t(4096 - at % 4096));
	iovec local { buf, max };
	iovec remote[2] { { reinterpret_cast<void *>(at), first },
	                  { reinterpret_cast<void *>(at + first), max - first } };
	ssize_t const n = ::process_vm_readv(pid, &local, 1, remote, first < max ? 2 : 1, 0);
	if (n <= 0) return false;
	buf[n] = 0;
	return true;
}


/*
 * Files the C library reads on a component's ordinary paths, which the
 * empty root does not have: each is answered ENOENT, as the root would,
 * and the library takes its fallback. Found by running the suite and the
 * dummy's runtime paths in audit mode (docs/SECURITY.md).
 */
static char const *const runtime_probes[] = {
	/* glibc's free(): the first shrink of a thread arena's heap (vnc's encode pool) */
	"/proc/sys/vm/overcommit_memory",
	/* glibc's tzset(), on the first localtime()/strftime("%Z") without TZ: UTC then */
	"/etc/localtime",
	/* glibc's get_nprocs(): sysconf(_SC_NPROCESSORS_ONLN), std::thread::hardware_concurrency();
	   it falls back to sched_getaffinity, which is allowed */
	"/sys/devices/system/cpu/online",
	"/proc/stat",
	/* glibc's get_nprocs_conf(): sysconf(_SC_NPROCESSORS_CONF); falls back to get_nprocs() */
	"/sys/devices/system/cpu/possible",
};


std::optional<int> Sandbox::runtime_probe_errno(int listener, ::seccomp_notif const &req)
{
	if (req.data.arch != AUDIT_ARCH_X86_64 || req.data.nr != SYS_openat) return std::nullopt;
	if ((req.data.args[2] & O_ACCMODE) != O_RDONLY) return std::nullopt;

	char path[48] { };
	if (!read_string(pid_t(req.pid), req.data.args[1], path, sizeof(path))) return std::nullopt;

	/* the pid is still the process that made the call (not one that took its number) */
	if (seccomp_notify_id_valid(listener, req.id) != 0) return std::nullopt;

	for (char const *probe : runtime_probes)
		if (std::strcmp(path, probe) == 0) return ENOENT;
	return std::nullopt;
}


std::string Sandbox::audit_text(::seccomp_notif const &req, std::string &key)
{
	char const *const name = syscall_name(int(req.data.nr), req.data.arch);
	std::string text = name;
	text += '(';
	for (unsigned i = 0; i < 6; i++) {
		char arg[24];
		std::snprintf(arg, sizeof(arg), "%s0x%llx", i ? ", " : "", (unsigned long long)req.data.args[i]);
		text += arg;
	}
	text += ')';
	key = name;

	/* which argument names a path, for the calls a runtime makes on paths */
	int path_arg = -1;
	if (req.data.arch == AUDIT_ARCH_X86_64)
		switch (req.data.nr) {
		case SYS_openat: case SYS_newfstatat: case SYS_statx: case SYS_faccessat: case SYS_faccessat2:
		case SYS_readlinkat: case SYS_mkdirat: case SYS_unlinkat: case SYS_execveat:
			path_arg = 1; break;
		case SYS_open: case SYS_stat: case SYS_lstat: case SYS_access: case SYS_readlink: case SYS_execve:
		case SYS_statfs: case SYS_mkdir: case SYS_unlink: case SYS_chdir:
			path_arg = 0; break;
		}
	if (path_arg < 0 || req.data.args[path_arg] == 0) return text;

	char path[256] { };
	if (!read_string(pid_t(req.pid), req.data.args[path_arg], path, sizeof(path))) return text;
	std::string const p(path, strnlen(path, sizeof(path)));
	text += " \"" + p + "\"";
	key  += " " + p;
	return text;
}
