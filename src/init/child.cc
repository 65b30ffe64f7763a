/*
 * A child of init
 */

#include "child.h"

#include <cstring>

#include <nestbox/log.h>
#include <nestbox/session/cpu.h>
#include <nestbox/session/log.h>
#include <nestbox/session/pd.h>
#include <nestbox/util/arg_string.h>

using namespace Init;
using namespace nestbox;

Child::Child(Env &env, Router &router, Start_node const &start, uint32_t id)
: _env(env), _router(router), _start(start), _id(id),
  _exit_handler(env.ep(), *this, &Child::_handle_exit_signal)
{ }


Child::~Child()
{
	_close_all_sessions();
	/* closing the PD session at core kills the process */
	for (Env_session *e : { &_env_pd, &_env_cpu, &_env_log, &_env_binary })
		if (e->session) _router.close(*e->session);
}


Result<Granted> Child::open_config_rom()
{
	if (!_config_ds.valid()) {
		std::string const &text = *_start.config;
		auto ds = _env.pd().alloc(text.size() + 1);
		if (!ds) return failure(ds.error());
		{
			Attached_dataspace local(ds->copy());
			if (!local.valid()) return failure(Error::OUT_OF_RAM);
			std::memcpy(local.local_addr(), text.data(), text.size());
			local.local_addr()[text.size()] = 0;
		}
		auto ro = seal_readonly(std::move(*ds));
		if (!ro) return failure(ro.error());
		_config_ds = std::move(*ro);
	}

	auto session = std::make_unique<Config_rom_session>(_config_ds);
	auto cap = _env.ep().mint(*session);
	if (!cap) return failure(cap.error());
	_config_sessions.push_back(std::move(session));

	return Granted { Routed_session { "ROM", Label::prefixed(name(), "config"),
	                                  Session_target { Session_target::Kind::LOCAL, { }, 0 } },
	                 Untyped_capability(std::move(*cap)) };
}


void Child::_request_env_session(Env_session &slot, std::string const &service,
                                 std::string const &label, std::string const &args)
{
	/* the router calls back only while this child exists */
	_router.route(*this, service, label, args, [this, &slot, service] (Result<Granted> r) {
		if (!r) {
			warning("\"", name(), "\": environment session ", service, " failed: ", error_name(r.error()));
			_env_failed = true;
		} else {
			slot.session = std::move(r->session);
			slot.cap     = std::move(r->cap);
		}
		_env_session_done();
	});
}


void Child::start()
{
	std::string const quota = "ram_quota=" + std::to_string(_start.ram)
	                        + ", cap_quota=" + std::to_string(_start.caps);

	/* the binary is requested with the child's name as label; init resolves it to <binary> */
	std::string const binary_label = _start.binary == _start.name ? std::string()
	                                                              : _start.binary;
	_request_env_session(_env_pd,     "PD",  "", quota);
	_request_env_session(_env_cpu,    "CPU", "", "");
	_request_env_session(_env_log,    "LOG", "", "");
	_request_env_session(_env_binary, "ROM", binary_label, "");
}


void Child::_env_session_done()
{
	if (--_env_pending) return;

	if (_env_failed) {
		/* like Genode: a child whose environment cannot be routed does not start */
		warning("\"", name(), "\" not started: its environment is incomplete");
		_state = State::ABANDONED;
		return;
	}
	_fetch_binary();
}


void Child::_fetch_binary()
{
	/* the ROM may be served by another child: ask without waiting */
	_binary_rom = std::make_unique<Async_rpc_client<Rom::Session>>(
		_env.ep(), Capability<Rom::Session>(std::move(_env_binary.cap)));

	_binary_rom->call<&Rom::Session::dataspace>([this] (Result<Dataspace_capability> ds) {
		if (!ds) {
			warning("\"", name(), "\" not started: binary \"", _start.binary, "\" unavailable (",
			        error_name(ds.error()), ")");
			_state = State::ABANDONED;
			return;
		}
		_binary_ds = std::move(*ds);
		_env.ep().schedule([this] { _start_process(); });
	});
}


void Child::_start_process()
{
	_binary_rom.reset();
	_pd = std::make_unique<Pd::Client>(Capability<Pd::Session>(std::move(_env_pd.cap)));

	auto parent_cap = manage(_env.ep(), static_cast<Rpc_object<Parent::Session> &>(*this));
	if (!parent_cap) {
		warning("\"", name(), "\" not started: ", error_name(parent_cap.error()));
		_state = State::ABANDONED;
		return;
	}

	(void)_pd->exit_sigh(_exit_handler.cap());
	auto started = _pd->start(std::move(_binary_ds), std::move(*parent_cap),
	                          Capability<Log::Session>(std::move(_env_log.cap)),
	                          Capability<Cpu::Session>(std::move(_env_cpu.cap)));
	if (!started) {
		warning("\"", name(), "\" not started: ", error_name(started.error()));
		_state = State::ABANDONED;
		return;
	}
	_state = State::RUNNING;
}


void Child::_exited(int value, char const *how)
{
	if (_state == State::EXITED) return;
	_state      = State::EXITED;
	_exit_value = value;
	log("child \"", name(), "\" ", how);
	_close_all_sessions();
	_roots.clear();
}


void Child::exit(int32_t value)
{
	_exited(value, concat("exited with exit value ", value).c_str());
}


void Child::_handle_exit_signal()
{
	if (_state == State::EXITED || !_pd) return;

	auto status = _pd->exit_status();
	if (!status) return;

	switch (status->state) {
	case Pd::Exit_status::EXITED:
		_exited(status->value, concat("exited with exit value ", status->value).c_str());
		break;
	case Pd::Exit_status::KILLED: {
		char const *abbrev = sigabbrev_np(status->value);
		_exited(-status->value, concat("killed by signal ", abbrev ? "SIG" : "", abbrev ? abbrev : "",
		                               " (", strsignal(status->value), ")").c_str());
		break;
	}
	default: break;
	}
}


void Child::_close_all_sessions()
{
	for (auto &[id, s] : _sessions)
		_router.close(s);
	_sessions.clear();
	_config_sessions.clear();
}


Result<void> Child::announce(std::string_view service, Capability<Root::Session> root)
{
	if (!declares(service)) {
		warning("\"", name(), "\" announced service \"", service, "\", which its <provides> does not declare");
		return failure(Error::DENIED);
	}
	_roots[std::string(service)] = std::make_unique<Async_rpc_client<Root::Session>>(_env.ep(), std::move(root));
	_env.ep().schedule([this] { _router.announced(*this); });
	return { };
}


Result<Session_grant> Child::session(std::string_view service, std::string_view label, std::string_view args)
{
	if (_state == State::EXITED) return failure(Error::DENIED);

	Deferred_reply reply = defer_reply();
	uint32_t const id = _next_session_id++;

	_router.route(*this, std::string(service), std::string(label), std::string(args),
	              [this, reply, id] (Result<Granted> r) mutable {
		if (!r) {
			Error const e = r.error();
			reply.send([e] (Msg_writer &w) { Marshal<Result<Session_grant>>::put(w, failure(e)); });
			return;
		}
		if (_state == State::EXITED) {
			/* granted too late: the process is gone */
			_router.close(r->session);
			return;
		}
		_sessions[id] = std::move(r->session);
		Session_grant grant { id, std::move(r->cap) };
		reply.send([&grant] (Msg_writer &w) { Marshal<Result<Session_grant>>::put(w, std::move(grant)); });
	});
	return failure(Error::UNAVAILABLE);   /* not sent: the reply is deferred */
}


Result<void> Child::upgrade(uint32_t id, std::string_view args)
{
	auto it = _sessions.find(id);
	if (it == _sessions.end()) return failure(Error::INVALID_ARGS);
	_router.upgrade(it->second, std::string(args));
	return { };
}


Result<void> Child::close(uint32_t id)
{
	auto it = _sessions.find(id);
	if (it == _sessions.end()) return failure(Error::INVALID_ARGS);
	_router.close(it->second);
	_sessions.erase(it);
	return { };
}


Result<void> Child::resource_request(std::string_view args)
{
	warning("\"", name(), "\" requests resources: ", args);
	return failure(Error::OUT_OF_RAM);
}
