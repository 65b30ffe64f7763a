/*
 * Core's PD service: protection domains, i.e. processes and their quotas
 *
 * A PD session is created by a parent on behalf of a child it is about to
 * start. The child allocates its RAM from it; the parent starts the process
 * through it and learns how the process ended. Closing the session kills the
 * process.
 */
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>

#include <linux/seccomp.h>

#include <nestbox/base/signal.h>
#include <nestbox/root_component.h>
#include <nestbox/session/pd.h>

#include "log_output.h"
#include "memory_cgroup.h"
#include "tap.h"

namespace Core {

struct Cpu_root;

/* A quota with its use, checked before anything is charged */
struct Quota_account
{
	uint64_t limit = 0;
	uint64_t used  = 0;

	bool try_charge(uint64_t amount)
	{
		if (amount > limit - used) return false;
		used += amount;
		return true;
	}
	void release(uint64_t amount) { used -= std::min(used, amount); }
	uint64_t avail() const { return limit - used; }
};

/*
 * Audit mode (--seccomp-audit): where the lines go besides core's log. With
 * NESTBOX_SECCOMP_AUDIT_LOG=FILE, each line is appended to FILE as well,
 * after the command line of the process that started this run, so that a
 * test suite run in audit mode can tell which test made which call
 * (scripts/seccomp-audit).
 */
struct Seccomp_audit
{
	std::string file { };     /* empty: core's log only */
	std::string origin { };   /* the parent's command line */

	static Seccomp_audit from_environment();
	void record(std::string const &line) const;
};

class Pd_session_component : public nestbox::Rpc_object<nestbox::Pd::Session>, private nestbox::Io_handler
{
	private:

		nestbox::Entrypoint &_ep;
		Log_output          &_output;
		[[maybe_unused]] Cpu_root &_cpu_root;   /* not used yet: clang warns of an unused field */
		std::string const    _label;

		Quota_account _ram, _caps;

		std::map<ino_t, uint64_t> _allocations { };   /* memfd inode -> charged size */

		bool const         _sealed;
		std::string const  _host_grants;          /* the session's "host" argument */
		pid_t              _pid = -1;             /* what core waits for (the stub when sealed) */
		pid_t              _component_pid = -1;
		nestbox::Unique_fd _pidfd { };
		std::vector<Owned_netns> _namespaces { };  /* made for its <tap> grants, removed with it */
		nestbox::Unique_fd _status { };           /* sealed: the stub's report of the wait status */
		char               _breach_syscall[32] { };
		Memory_cgroups    *_cgroups = nullptr;       /* set by the root when sealed */

		/*
		 * Audit mode (--seccomp-audit): a forbidden call is logged and goes on.
		 * Each distinct call (name, and path where it has one) is logged once
		 * per component, at most 'MAX_AUDIT_LINES' of them: the log stays
		 * readable however busy the component is.
		 */
		static constexpr size_t MAX_AUDIT_LINES = 64;
		Seccomp_audit const  *_seccomp_audit = nullptr;
		std::set<std::string> _audited { };
		void _audit(::seccomp_notif const &);
		std::string        _cgroup { };

		/* sealed: system calls outside the allowlist arrive here */
		struct Syscall_monitor : nestbox::Io_handler
		{
			Pd_session_component &pd;
			nestbox::Unique_fd    listener { };
			explicit Syscall_monitor(Pd_session_component &pd) : pd(pd) { }
			void handle_io(uint32_t) override;
		} _monitor { *this };

		void _breach(char const *syscall);
		nestbox::Pd::Exit_status _exit { nestbox::Pd::Exit_status::NOT_STARTED, 0, { } };
		nestbox::Signal_context_capability _exit_sigh { };

		/* the process's stdout/stderr, logged under its label */
		struct Output_pipe : nestbox::Io_handler
		{
			Pd_session_component &pd;
			nestbox::Unique_fd    fd { };
			std::string           partial { };
			explicit Output_pipe(Pd_session_component &pd) : pd(pd) { }
			void handle_io(uint32_t) override;   /* reads all that is there */
			bool read_some();                    /* false: nothing more for now */
		} _output_pipe { *this };

		void handle_io(uint32_t) override;   /* pidfd readable: the process ended */

		void _reap();

	public:

		Pd_session_component(nestbox::Entrypoint &ep, Log_output &output, Cpu_root &cpu_root, bool sealed,
		                     std::string label, uint64_t ram_quota, uint64_t cap_quota,
		                     std::string host_grants)
		: _ep(ep), _output(output), _cpu_root(cpu_root), _label(std::move(label)),
		  _ram { ram_quota, 0 }, _caps { cap_quota, 0 }, _sealed(sealed), _host_grants(std::move(host_grants)) { }

		~Pd_session_component();

		std::string const &label() const { return _label; }
		pid_t pid() const { return _pid; }

		/* Quota that flows with session requests of this PD's process */
		Quota_account &ram_account()  { return _ram; }
		Quota_account &cap_account()  { return _caps; }

		/* Kill the process (if running) and wait for it */
		void kill();

		/* Pd::Session */
		nestbox::Result<nestbox::Dataspace_capability> alloc(uint64_t size) override;
		nestbox::Result<void> free(nestbox::Dataspace_capability ds) override;
		nestbox::Pd::Quota ram() override  { return { _ram.limit,  _ram.used }; }
		nestbox::Result<void> alloc_caps(uint32_t count) override;
		void free_caps(uint32_t count) override { _caps.release(count); }
		nestbox::Pd::Quota caps() override { return { _caps.limit, _caps.used }; }
		nestbox::Result<void> start(nestbox::Dataspace_capability binary,
		                            nestbox::Capability<nestbox::Parent::Session> parent,
		                            nestbox::Capability<nestbox::Log::Session> log,
		                            nestbox::Capability<nestbox::Cpu::Session> cpu) override;
		nestbox::Result<void> exit_sigh(nestbox::Signal_context_capability) override;
		nestbox::Pd::Exit_status exit_status() override { return _exit; }
		nestbox::Result<void> withdraw(uint64_t ram, uint64_t caps) override;
		nestbox::Result<void> transfer_quota(nestbox::Capability<nestbox::Pd::Session> to,
		                                     uint64_t ram, uint64_t caps) override;

		void use_cgroups(Memory_cgroups &c) { _cgroups = &c; }
		void audit_seccomp(Seccomp_audit const &a) { _seccomp_audit = &a; }

		/* The kernel's limit follows the quota */
		void quota_changed() { if (_cgroups) _cgroups->update(_cgroup, _ram.limit); }

		/* Who gets withdrawn quota back (set by whoever paid for the session) */
		std::function<void(uint64_t ram, uint64_t caps)> on_withdraw { };
};

struct Pd_root : nestbox::Root_component<Pd_session_component>
{
	Log_output &output;
	Cpu_root   &cpu_root;
	bool const  sealed;
	bool const  seccomp_audit;   /* sealed only: forbidden calls are logged, not stopped */
	Seccomp_audit const audit = seccomp_audit ? Seccomp_audit::from_environment() : Seccomp_audit { };

	/* only sealed components are put under a kernel-enforced limit */
	std::optional<Memory_cgroups> cgroups { };

	Pd_root(nestbox::Entrypoint &ep, Log_output &output, Cpu_root &cpu_root, bool sealed = true,
	        bool seccomp_audit = false)
	: Root_component(ep), output(output), cpu_root(cpu_root), sealed(sealed), seccomp_audit(seccomp_audit)
	{
		if (sealed) cgroups.emplace();
	}

	nestbox::Result<std::unique_ptr<Pd_session_component>> _create_session(std::string_view args) override;

	/* quota donated to a PD session raises the PD's quota */
	void _upgrade_session(Pd_session_component &pd, std::string_view args) override
	{
		pd.ram_account().limit += nestbox::Arg_string::number(args, "ram_quota");
		pd.cap_account().limit += nestbox::Arg_string::number(args, "cap_quota");
		pd.quota_changed();
	}

	/* Kill every process (teardown of the run) */
	void kill_all() { for_each_session([] (Pd_session_component &pd) { pd.kill(); }); }
};

} /* namespace Core */
