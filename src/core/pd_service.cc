/*
 * Core's PD service: quotas, dataspaces and the start of processes
 */

#include "pd_service.h"
#include "cpu_service.h"
#include "sandbox.h"
#include "spawn.h"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <seccomp.h>
#include <cstring>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nestbox/env.h>
#include <nestbox/log.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

using namespace Core;
using namespace nestbox;

namespace {

size_t page_round(uint64_t size) { return size_t((size + 4095) & ~uint64_t(4095)); }

}


Result<Dataspace_capability> Pd_session_component::alloc(uint64_t size)
{
	if (size == 0 || size > (1ull << 40)) return failure(Error::INVALID_ARGS);
	size_t const rounded = page_round(size);

	if (!_caps.try_charge(1)) return failure(Error::OUT_OF_CAPS);
	if (!_ram.try_charge(rounded)) { _caps.release(1); return failure(Error::OUT_OF_RAM); }

	auto ds = create_dataspace(rounded, std::to_string(::getpid()) + ":" + _label);
	if (!ds) { _ram.release(rounded); _caps.release(1); return failure(ds.error()); }

	_allocations[fd_inode(ds->fd())] = rounded;
	return std::move(*ds);
}


Result<void> Pd_session_component::free(Dataspace_capability ds)
{
	/* only a dataspace of this PD can be freed here: recognised by its inode */
	auto it = ds.valid() ? _allocations.find(fd_inode(ds.fd())) : _allocations.end();
	if (it == _allocations.end()) return failure(Error::INVALID_CAP);
	_ram.release(it->second);
	_caps.release(1);
	_allocations.erase(it);
	return { };
}


Result<void> Pd_session_component::alloc_caps(uint32_t count)
{
	if (!_caps.try_charge(count)) return failure(Error::OUT_OF_CAPS);
	return { };
}


Result<void> Pd_session_component::withdraw(uint64_t ram, uint64_t caps)
{
	if (ram  > _ram.avail())  return failure(Error::OUT_OF_RAM);
	if (caps > _caps.avail()) return failure(Error::OUT_OF_CAPS);
	_ram.limit  -= ram;
	_caps.limit -= caps;
	quota_changed();
	if (on_withdraw) on_withdraw(ram, caps);
	return { };
}


Result<void> Pd_session_component::transfer_quota(Capability<Pd::Session> to, uint64_t ram, uint64_t caps)
{
	Pd_session_component *target = _ep.lookup_as<Pd_session_component>(to);
	if (!target) return failure(Error::INVALID_CAP);
	if (ram  > _ram.avail())  return failure(Error::OUT_OF_RAM);
	if (caps > _caps.avail()) return failure(Error::OUT_OF_CAPS);
	_ram.limit  -= ram;   target->_ram.limit  += ram;
	_caps.limit -= caps;  target->_caps.limit += caps;
	quota_changed();
	target->quota_changed();
	return { };
}


Result<void> Pd_session_component::exit_sigh(Signal_context_capability cap)
{
	/* set by the parent before the start; the child must not redirect it */
	if (_exit.state != Pd::Exit_status::NOT_STARTED) return failure(Error::DENIED);
	_exit_sigh = std::move(cap);
	return { };
}


Result<void> Pd_session_component::start(Dataspace_capability binary,
                                         Capability<Parent::Session> parent,
                                         Capability<Log::Session> log,
                                         Capability<Cpu::Session> cpu)
{
	if (_exit.state != Pd::Exit_status::NOT_STARTED) return failure(Error::DENIED);
	if (!binary.valid() || !parent.valid() || !log.valid() || !cpu.valid())
		return failure(Error::INVALID_CAP);

	Cpu_session_component *cpu_session = _ep.lookup_as<Cpu_session_component>(cpu);
	if (!cpu_session) return failure(Error::INVALID_CAP);

	/* the process's own channel to this PD */
	auto own_pd = _ep.mint(*this);
	if (!own_pd) return failure(own_pd.error());

	std::string problem;
	auto host = Host_resources::open(_host_grants, problem);
	if (!host) {
		warning("\"", _label, "\": ", problem);
		return failure(host.error());
	}
	Spawn_request request { binary.fd(), parent.fd(), own_pd->get(), cpu.fd(), log.fd(),
	                        _label, cpu_session->nice, _sealed, *host };
	if (_cgroups)
		request.before_fork = [this] (pid_t stub) { _cgroup = _cgroups->limit(stub, _ram.limit); };
	auto spawned = spawn(request, problem);
	if (!spawned) {
		warning("\"", _label, "\" ", problem);
		return failure(spawned.error());
	}

	_pid           = spawned->pid;
	_namespaces    = std::move(host->namespaces);
	_component_pid = spawned->component_pid;

	cpu_session->pid = _component_pid;
	_exit.state = Pd::Exit_status::RUNNING;

	_pidfd = std::move(spawned->pidfd);
	if (_pidfd.valid()) _ep.watch(_pidfd.get(), *this, EPOLLIN);

	_status = std::move(spawned->status);
	_monitor.listener = std::move(spawned->listener);
	if (_monitor.listener.valid()) _ep.watch(_monitor.listener.get(), _monitor, EPOLLIN);

	_output_pipe.fd = std::move(spawned->output);
	_ep.watch(_output_pipe.fd.get(), _output_pipe, EPOLLIN);
	return { };
}


void Pd_session_component::Syscall_monitor::handle_io(uint32_t events)
{
	if (events & (EPOLLHUP | EPOLLERR)) { pd._ep.unwatch(listener.get()); listener.reset(); return; }

	seccomp_notif      *req  = nullptr;
	seccomp_notif_resp *resp = nullptr;
	if (seccomp_notify_alloc(&req, &resp) != 0) return;
	if (seccomp_notify_receive(listener.get(), req) == 0) {
		if (auto const err = Sandbox::runtime_probe_errno(listener.get(), *req)) {
			/* the C library's own probe, answered as the empty root would */
			resp->id    = req->id;
			resp->error = -*err;
			resp->val   = 0;
			resp->flags = 0;
			(void)seccomp_notify_respond(listener.get(), resp);
		} else if (pd._seccomp_audit) {
			pd._audit(*req);
			resp->id    = req->id;
			resp->error = 0;
			resp->val   = 0;
			resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
			(void)seccomp_notify_respond(listener.get(), resp);
		} else {
			/*
			 * A forbidden call: the component is killed while the call waits for
			 * an answer, which it never gets, so not one more instruction of the
			 * component runs after the attempt.
			 */
			pd._breach(Sandbox::syscall_name(req->data.nr, req->data.arch));
		}
	}
	seccomp_notify_free(req, resp);
}


void Pd_session_component::_audit(::seccomp_notif const &req)
{
	if (_audited.size() > MAX_AUDIT_LINES) return;
	std::string key;
	std::string const text = Sandbox::audit_text(req, key);
	if (_audited.count(key)) return;
	if (_audited.size() == MAX_AUDIT_LINES) {
		_audited.insert({ });
		_output.core_line(concat("seccomp audit: \"", _label, "\": more than ", MAX_AUDIT_LINES,
		                         " distinct calls, no more are logged"));
		return;
	}
	_audited.insert(key);
	std::string const line = concat("seccomp audit: \"", _label, "\" ", text, " (the filter refuses it; allowed)");
	_output.core_line(line);
	_seccomp_audit->record(line);
}


Seccomp_audit Seccomp_audit::from_environment()
{
	Seccomp_audit a;
	if (char const *file = std::getenv("NESTBOX_SECCOMP_AUDIT_LOG")) a.file = file;
	if (a.file.empty()) return a;

	std::ifstream cmdline("/proc/" + std::to_string(::getppid()) + "/cmdline");
	std::string arg;
	while (std::getline(cmdline, arg, '\0')) a.origin += (a.origin.empty() ? "" : " ") + arg;
	return a;
}


void Seccomp_audit::record(std::string const &line) const
{
	if (file.empty()) return;

	/* one write per line: lines of runs in parallel do not mix */
	std::string const text = "[" + origin + "] " + line + "\n";
	Unique_fd fd(::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
	if (!fd.valid() || ::write(fd.get(), text.data(), text.size()) != ssize_t(text.size()))
		warning("seccomp audit: cannot append to ", file, ": ", std::strerror(errno));
}


void Pd_session_component::_breach(char const *syscall)
{
	if (_exit.state != Pd::Exit_status::RUNNING || _breach_syscall[0]) return;
	std::strncpy(_breach_syscall, syscall, sizeof(_breach_syscall) - 1);
	::kill(_pid, SIGKILL);   /* the stub: the whole namespace goes with it */
}


void Pd_session_component::Output_pipe::handle_io(uint32_t)
{
	while (fd.valid() && read_some()) { }
}


bool Pd_session_component::Output_pipe::read_some()
{
	char buf[4096];
	ssize_t const n = ::read(fd.get(), buf, sizeof(buf));
	if (n > 0) {
		partial.append(buf, size_t(n));
		size_t nl;
		while ((nl = partial.find('\n')) != std::string::npos) {
			pd._output.write(pd._label, std::string_view(partial).substr(0, nl));
			partial.erase(0, nl + 1);
		}
		if (partial.size() > 8192) { pd._output.write(pd._label, partial); partial.clear(); }
		return true;
	}
	if (n < 0 && errno == EINTR) return true;
	if (n < 0 && errno == EAGAIN) return false;

	/* end of output: the process is gone or closed both */
	if (!partial.empty()) { pd._output.write(pd._label, partial); partial.clear(); }
	pd._ep.unwatch(fd.get());
	fd.reset();
	return false;
}


void Pd_session_component::_reap()
{
	if (_pid <= 0 || _exit.state != Pd::Exit_status::RUNNING) return;

	siginfo_t info { };
	int const r = _pidfd.valid() ? ::waitid(idtype_t(P_PIDFD), id_t(_pidfd.get()), &info, WEXITED)
	                             : ::waitid(P_PID, id_t(_pid), &info, WEXITED);
	if (r < 0) return;

	if (info.si_code == CLD_EXITED) _exit = { Pd::Exit_status::EXITED, info.si_status, { } };
	else                            _exit = { Pd::Exit_status::KILLED, info.si_status, { } };

	/* sealed: what the stub says of the component counts, not the stub's own exit */
	int wstatus = 0;
	if (_status.valid() && ::read(_status.get(), &wstatus, sizeof(wstatus)) == sizeof(wstatus)) {
		if (WIFEXITED(wstatus)) _exit = { Pd::Exit_status::EXITED, WEXITSTATUS(wstatus), { } };
		else                    _exit = { Pd::Exit_status::KILLED, WTERMSIG(wstatus), { } };
	}
	if (_breach_syscall[0]) {
		_exit = { Pd::Exit_status::KILLED, SIGSYS, { } };
		std::memcpy(_exit.syscall, _breach_syscall, sizeof(_exit.syscall));
	}
	if (_monitor.listener.valid()) { _ep.unwatch(_monitor.listener.get()); _monitor.listener.reset(); }
	Memory_cgroups::remove(_cgroup);

	if (_pidfd.valid()) { _ep.unwatch(_pidfd.get()); _pidfd.reset(); }
}


void Pd_session_component::handle_io(uint32_t)
{
	_reap();

	/* collect what the process wrote last before telling its parent */
	_output_pipe.handle_io(0);

	Signal_transmitter::submit(_exit_sigh);
}


void Pd_session_component::kill()
{
	if (_pid > 0 && _exit.state == Pd::Exit_status::RUNNING) {
		::kill(_pid, SIGKILL);
		_reap();
	}
	if (_output_pipe.fd.valid()) { _ep.unwatch(_output_pipe.fd.get()); _output_pipe.fd.reset(); }
}


Pd_session_component::~Pd_session_component()
{
	kill();
}


Result<std::unique_ptr<Pd_session_component>> Pd_root::_create_session(std::string_view args)
{
	auto pd = std::make_unique<Pd_session_component>(ep(), output, cpu_root, sealed,
	                                                 Arg_string::string(args, "label"),
	                                                 Arg_string::number(args, "ram_quota"),
	                                                 Arg_string::number(args, "cap_quota"),
	                                                 Arg_string::string(args, "host"));
	if (cgroups && cgroups->enforced()) pd->use_cgroups(*cgroups);
	if (sealed && seccomp_audit) pd->audit_seccomp(audit);
	return pd;
}
