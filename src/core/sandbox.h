/*
 * Sealing a component before it runs (docs/ARCHITECTURE.md, docs/SECURITY.md)
 *
 * Core starts each component in fresh mount, PID, network, IPC and UTS
 * namespaces (run by an ordinary user: in a user namespace of its own as
 * well, see rootless.h). A small stub process is PID 1 of the new PID namespace (so
 * the component itself has ordinary signal semantics); it sets up an empty,
 * read-only root, forks the component and reports the component's wait
 * status to core. The component drops every capability and privilege,
 * installs a seccomp filter whose forbidden system calls are reported to
 * core (SECCOMP_RET_USER_NOTIF) and executes its binary from a memfd.
 *
 * Everything here runs in the forked child, before execve: only
 * async-signal-safe calls, no allocation.
 */
#pragma once

#include <optional>

#include <linux/seccomp.h>

#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace Core::Sandbox {

/* Prepared in core before the fork */
struct Plan
{
	struct Directory { std::string path; bool writeable; };

	bool                   dynamic = false;      /* the binary needs ld.so and shared libraries */
	std::vector<Directory> directories { };      /* granted host directories, bound in at their path */
};

/* What granted host resources add to the allowlist, and nothing more */
struct Filter_extras
{
	bool             tcp = false;          /* accept4 and friends on a listening socket */
	bool             files = false;        /* I/O on a granted file: positioned I/O, io_uring */
	bool             tap = false;          /* a granted TAP device: io_uring for batches of frames */
	std::vector<int> device_fds { };       /* ioctl on exactly these descriptors */
	bool             directories = false;  /* opening and reading files in granted directories */
	bool             writeable = false;    /* creating, renaming, removing there */
	bool             loader = false;       /* a dynamic binary: ld.so reads its libraries */
	bool             x11 = false;          /* a client of the X server whose sockets are bound in */
};

/* True if the ELF in 'fd' has a PT_INTERP program header */
bool needs_interpreter(int fd);

/*
 * In the stub, the new PID namespace's first process: give the namespaces an
 * empty, read-only root (with the library directories bound in read-only
 * for a dynamic binary). Returns false on failure (errno set).
 */
bool seal_mounts(Plan const &);

/*
 * In the component: no capabilities, no privileges, tight limits.
 * 'user_namespace': sealed by an ordinary user (see rootless.h).
 */
bool drop_privileges(unsigned long max_fds, bool user_namespace);

/*
 * In the component: install the filter; the listener descriptor is sent to
 * core over 'control' (SCM_RIGHTS). Returns false on failure.
 */
bool install_filter(int control, Filter_extras const &);

/* The name of a system call number of an ABI (for breach reports) */
char const *syscall_name(int nr, uint32_t arch);

/*
 * The answer to a call the filter held back that is no breach: the C
 * library probing the host where it cannot see it. A read-only openat of
 * one of the files glibc reads on ordinary paths (sandbox.cc lists them
 * with the path that needs each: free() trimming a heap, the local time
 * zone, the number of CPUs) gets ENOENT, the answer it would get in the
 * empty root anyway. nullopt: a breach. 'listener' tells whether the
 * caller is still the process the request came from.
 */
std::optional<int> runtime_probe_errno(int listener, ::seccomp_notif const &);

/*
 * For audit mode (nestbox run --seccomp-audit): the call as text, e.g.
 * "madvise(0x7f12e4000000, 0x21000, 0x4, 0x0, 0x0, 0x0)", with the path
 * a path argument names read from the caller's memory, "openat(…) \"/etc/x\"".
 * 'key' is what makes two calls the same for the once-per-call log: the
 * name, and the path where there is one.
 */
std::string audit_text(::seccomp_notif const &, std::string &key);

} /* namespace Core::Sandbox */
