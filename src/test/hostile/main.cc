/*
 * hostile: a component that tries to break out of its sandbox
 *
 * Its config is a script of attempts, executed in order (see README). Each
 * attempt logs 'attempt: WHAT' before the call, so that a scenario can tell
 * which call the sandbox stopped, and 'attempt succeeded: WHAT' if the call
 * returned without error, which must never happen to a sealed component.
 * Calls go through syscall() where glibc might pick a different call (or
 * none), so that the call the sandbox sees is the one the step names.
 *
 * A failed attempt logs 'attempt failed: WHAT (ERRNO)' and the script goes
 * on: should a forbidden call return and the component keep running, the
 * next step shows it.
 */

#include <cerrno>
#include <cstdlib>
#include <csignal>
#include <cstring>
#include <elf.h>
#include <fcntl.h>
#include <optional>
#include <sched.h>
#include <string>
#include <thread>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/manifest.h>
#include <nestbox/timer.h>

/* a Timer only for <sleep>: the attempts themselves need nothing */
NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Timer" optional="yes"/> </requires>
	</manifest>)");

namespace Hostile {

	using namespace nestbox;

	struct Main;

	/* "EPERM (Operation not permitted)": the name is what a reader looks for */
	static std::string errno_string(int err)
	{
		char const *name = ::strerrorname_np(err);
		return std::string(name ? name : std::to_string(err).c_str()) + " (" + std::strerror(err) + ")";
	}

	/*
	 * The program a memfd exec would run: a minimal static x86-64 ELF that
	 * writes 'attempt succeeded: exec_memfd' to its standard output and exits,
	 * so that an exec that got through cannot go unnoticed.
	 */
	struct Tiny_elf
	{
		static constexpr uint64_t BASE = 0x400000;

		static constexpr unsigned char code[] = {
			0xb8, 0x01, 0x00, 0x00, 0x00,               /* mov  eax, 1 (write)     */
			0xbf, 0x01, 0x00, 0x00, 0x00,               /* mov  edi, 1             */
			0x48, 0x8d, 0x35, 0x10, 0x00, 0x00, 0x00,   /* lea  rsi, [rip + 16]    */
			0xba, 0x1e, 0x00, 0x00, 0x00,               /* mov  edx, 30            */
			0x0f, 0x05,                                 /* syscall                 */
			0xb8, 0xe7, 0x00, 0x00, 0x00,               /* mov  eax, 231 (exit_group) */
			0x31, 0xff,                                 /* xor  edi, edi           */
			0x0f, 0x05,                                 /* syscall                 */
			'a','t','t','e','m','p','t',' ','s','u','c','c','e','e','d','e','d',':',' ',
			'e','x','e','c','_','m','e','m','f','d','\n',
		};

		Elf64_Ehdr    ehdr { };
		Elf64_Phdr    phdr { };
		unsigned char text[sizeof(code)] { };

		Tiny_elf()
		{
			static_assert(sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) == 120);
			std::memcpy(ehdr.e_ident, ELFMAG, SELFMAG);
			ehdr.e_ident[EI_CLASS]   = ELFCLASS64;
			ehdr.e_ident[EI_DATA]    = ELFDATA2LSB;
			ehdr.e_ident[EI_VERSION] = EV_CURRENT;
			ehdr.e_type      = ET_EXEC;
			ehdr.e_machine   = EM_X86_64;
			ehdr.e_version   = EV_CURRENT;
			ehdr.e_entry     = BASE + sizeof(ehdr) + sizeof(phdr);
			ehdr.e_phoff     = sizeof(ehdr);
			ehdr.e_ehsize    = sizeof(ehdr);
			ehdr.e_phentsize = sizeof(phdr);
			ehdr.e_phnum     = 1;
			phdr.p_type   = PT_LOAD;
			phdr.p_flags  = PF_R | PF_X;
			phdr.p_vaddr  = phdr.p_paddr = BASE;
			phdr.p_filesz = phdr.p_memsz = sizeof(*this);
			phdr.p_align  = 0x1000;
			std::memcpy(text, code, sizeof(code));
		}
	} __attribute__((packed));

	/* 32-bit addresses for the i386 system-call ABI: a non-PIE binary's data is below 4 GiB */
	static char int80_path[] = "/etc/passwd";
}


struct Hostile::Main
{
	Env &_env;

	Attached_rom _config { _env, "config" };

	pugi::xml_document _doc       { };
	pugi::xml_node     _next_step { };

	std::optional<Timer::Connection> _timer { };

	Signal_handler<Main> _wakeup_handler { _env.ep(), *this, &Main::_handle_wakeup };

	/* the result of a call: log it, never hide it */
	static void _report(std::string const &what, long result, int err)
	{
		if (result < 0)
			log("attempt failed: ", what, " ", errno_string(err));
		else
			log("attempt succeeded: ", what);
	}

	template <typename FN>
	static void _attempt(std::string const &what, FN const &fn)
	{
		log("attempt: ", what);
		errno = 0;
		long const result = fn();
		_report(what, result, errno);
	}

	static pid_t _pid_attribute(pugi::xml_node step)
	{
		std::string_view const pid = step.attribute("pid").as_string("1");
		return pid == "self" ? ::getpid() : pid_t(step.attribute("pid").as_int(1));
	}

	void _open(pugi::xml_node step)
	{
		std::string const path = step.attribute("path").as_string("/etc/passwd");
		_attempt("open " + path, [&] {
			long const fd = ::syscall(SYS_openat, AT_FDCWD, path.c_str(), O_RDONLY | O_CLOEXEC);
			if (fd >= 0) ::close(int(fd));
			return fd; });
	}

	void _socket()
	{
		_attempt("socket AF_INET", [&] {
			long const fd = ::syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd >= 0) ::close(int(fd));
			return fd; });
	}

	void _exec(pugi::xml_node step)
	{
		std::string const path = step.attribute("path").as_string("/bin/sh");
		std::string const what = "exec " + path;

		/* should the exec get through, the new program says so */
		std::string const says = "echo 'attempt succeeded: " + what + "'";
		char *argv[] = { const_cast<char *>(path.c_str()), const_cast<char *>("-c"),
		                 const_cast<char *>(says.c_str()), nullptr };
		char *envp[] = { nullptr };
		_attempt(what, [&] { return ::syscall(SYS_execve, path.c_str(), argv, envp); });
	}

	void _exec_memfd()
	{
		log("attempt: exec_memfd");

		long const fd = ::syscall(SYS_memfd_create, "hostile", 0U);
		if (fd < 0) { _report("exec_memfd (memfd_create)", fd, errno); return; }

		static Tiny_elf const elf;
		if (::write(int(fd), &elf, sizeof(elf)) != long(sizeof(elf))) {
			_report("exec_memfd (write)", -1, errno);
			return;
		}

		char *argv[] = { const_cast<char *>("hostile-memfd"), nullptr };
		char *envp[] = { nullptr };
		long const r = ::syscall(SYS_execveat, int(fd), "", argv, envp, AT_EMPTY_PATH);
		_report("exec_memfd (execveat)", r, errno);
	}

	void _ptrace(pugi::xml_node step)
	{
		pid_t const pid = _pid_attribute(step);
		_attempt("ptrace attach " + std::to_string(pid), [&] {
			return ::syscall(SYS_ptrace, PTRACE_ATTACH, pid, nullptr, nullptr); });
	}

	void _signal(pugi::xml_node step)
	{
		pid_t const pid = _pid_attribute(step);
		int   const sig = step.attribute("signal").as_int(SIGKILL);
		_attempt("kill " + std::to_string(pid) + " signal " + std::to_string(sig), [&] {
			return ::syscall(SYS_kill, pid, sig); });
	}

	void _write_foreign(pugi::xml_node step)
	{
		pid_t const pid = _pid_attribute(step);

		/*
		 * The target address is the one of our own variable: meaningful for
		 * pid="self" (to show that the call works unsealed), a plausible
		 * guess for another process.
		 */
		static unsigned long volatile victim = 0;
		unsigned long value = 0x6e657374626f78;
		uint64_t const address = step.attribute("address").as_ullong(uint64_t(uintptr_t(&victim)));

		iovec local  { &value, sizeof(value) };
		iovec remote { reinterpret_cast<void *>(uintptr_t(address)), sizeof(value) };
		_attempt("process_vm_writev " + std::to_string(pid), [&] {
			return ::syscall(SYS_process_vm_writev, pid, &local, 1UL, &remote, 1UL, 0UL); });
	}

	void _fork(pugi::xml_node step)
	{
		std::string_view const how = step.attribute("how").as_string("fork");
		std::string const what = "fork (" + std::string(how) + ")";

		log("attempt: ", what);
		long pid = -1;
		errno = 0;
		if (how == "vfork") {
			/* raw vfork would share our stack with the child: use the plain fork call */
			pid = ::syscall(SYS_fork);
		} else if (how == "clone3") {
			/* a process, not a thread: no CLONE_THREAD */
			struct { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal,
			         stack, stack_size, tls; } args { 0, 0, 0, 0, SIGCHLD, 0, 0, 0 };
			pid = ::syscall(SYS_clone3, &args, sizeof(args));
		} else if (how == "clone") {
			pid = ::syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, 0UL);
		} else {
			/* glibc's fork: clone(2) without CLONE_THREAD */
			pid = ::fork();
		}
		int const err = errno;

		/* the child must not touch the parent's channels */
		if (pid == 0) ::_exit(0);

		_report(what, pid, err);
		if (pid > 0) ::waitpid(pid_t(pid), nullptr, 0);
	}

	void _mount(pugi::xml_node step)
	{
		std::string const path = step.attribute("path").as_string("/");
		_attempt("mount tmpfs on " + path, [&] {
			return ::syscall(SYS_mount, "hostile", path.c_str(), "tmpfs", 0UL, nullptr); });
	}

	void _chdir(pugi::xml_node step)
	{
		std::string const path = step.attribute("path").as_string("/tmp");
		_attempt("chdir " + path, [&] { return ::syscall(SYS_chdir, path.c_str()); });
	}

	void _unshare()
	{
		/* a user namespace would give back every capability, inside it */
		_attempt("unshare CLONE_NEWUSER", [&] { return ::syscall(SYS_unshare, CLONE_NEWUSER); });
	}

	void _hog(pugi::xml_node step)
	{
		/*
		 * Memory behind core's back: the heap is no dataspace, so only the
		 * kernel's limit (a memory cgroup per component) can stop it
		 */
		size_t const megabytes = step.attribute("megabytes").as_uint(512);
		log("attempt: allocate ", megabytes, " MiB of heap");
		for (size_t i = 0; i < megabytes; i++) {
			char *block = static_cast<char *>(::malloc(1 << 20));
			if (!block) { log("attempt failed: allocate: out of memory at ", i, " MiB"); return; }
			for (size_t off = 0; off < (1u << 20); off += 4096) block[off] = 1;
		}
		log("attempt succeeded: allocate ", megabytes, " MiB of heap");
	}

	void _stat(pugi::xml_node step)
	{
		/* path-based, with a flag that the filter lets through for fstat */
		std::string const path = step.attribute("path").as_string("/");
		struct stat st { };
		_attempt("stat " + path, [&] {
			return ::syscall(SYS_newfstatat, AT_FDCWD, path.c_str(), &st, AT_EMPTY_PATH); });
	}

	void _int80()
	{
		/* open(2) through the i386 ABI: a filter that checks only x86-64 numbers misses it */
		_attempt("open /etc/passwd via int 0x80", [&] {
			long r;
			asm volatile ("int $0x80"
			              : "=a" (r)
			              : "a" (5L /* i386 open */), "b" (int80_path), "c" (long(O_RDONLY)), "d" (0L)
			              : "memory", "r8", "r9", "r10", "r11");
			if (r < 0 && r > -4096) { errno = int(-r); return -1L; }
			return r; });
	}

	void _x32()
	{
		/* openat with the x32 bit: the same number to a filter that masks the bit */
		_attempt("open /etc/passwd via x32 openat", [&] {
			return ::syscall(0x40000000L | SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY); });
	}

	void _execute(pugi::xml_node step)
	{
		/*
		 * An attempt from a second thread: whatever the sandbox does to the
		 * offending thread must end the whole component, not just the thread.
		 */
		if (step.attribute("thread").as_bool(false)) {
			step.remove_attribute("thread");
			std::thread thread([&] { _execute(step); });
			thread.join();
			log("attempt thread gone");
			return;
		}

		std::string_view const type = step.name();

		if (type == "log")           log(step.attribute("string").value());
		if (type == "open")          _open(step);
		if (type == "socket")        _socket();
		if (type == "exec")          _exec(step);
		if (type == "exec_memfd")    _exec_memfd();
		if (type == "ptrace")        _ptrace(step);
		if (type == "signal")        _signal(step);
		if (type == "write_foreign") _write_foreign(step);
		if (type == "fork")          _fork(step);
		if (type == "mount")         _mount(step);
		if (type == "chdir")         _chdir(step);
		if (type == "unshare")       _unshare();
		if (type == "hog")           _hog(step);
		if (type == "stat")          _stat(step);
		if (type == "int80")         _int80();
		if (type == "x32")           _x32();
		if (type == "exit")          _env.exit(step.attribute("value").as_int(0));

		/* unknown steps are ignored, as the dummy does */
	}

	void _run_script()
	{
		while (_next_step) {

			pugi::xml_node const step = _next_step;
			_next_step = _next_step.next_sibling();

			if (step.type() != pugi::node_element)
				continue;

			if (std::string_view(step.name()) == "sleep") {
				_sleep(step.attribute("ms").as_ullong(100));
				return;
			}

			_execute(step);
		}
	}

	/* the entrypoint stays free while sleeping: heartbeats are answered */
	void _sleep(uint64_t ms)
	{
		if (!_timer) {
			_timer.emplace(_env);
			(void)_timer->sigh(_wakeup_handler.cap());
		}
		(void)_timer->trigger_once(ms*1000);
	}

	void _handle_wakeup() { _run_script(); }

	Main(Env &env) : _env(env)
	{
		/* one script per run: a later config does not restart the attempts */
		_doc.load_buffer(_config.text().data(), _config.text().size());
		_next_step = _doc.document_element().first_child();
		_run_script();
	}
};


void nestbox::construct(nestbox::Env &env) { static Hostile::Main main(env); }
