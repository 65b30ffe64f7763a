/*
 * A child of init
 */

#include "child.h"

#include <cstring>

#include <nestbox/log.h>
#include <nestbox/session/cpu.h>
#include <nestbox/session/log.h>
#include <nestbox/util/arg_string.h>

using namespace Init;
using namespace nestbox;

Child::Child(Env &env, Session_router &router, Child_observer &observer,
             Report_trigger &report, Start_node const &start, uint32_t id)
: _env(env), _router(router), _observer(observer), _report(report), _start(start), _id(id)
{ }


Child::~Child()
{
	*_alive = false;
	_close_all_sessions();

	/* closing the PD session at core kills the process */
	for (auto &[service, e] : _env_sessions)
		if (e.session.target.kind != Session_target::Kind::NONE)
			_router.close(nullptr, e.session);

	(void)_free_config_ds();
}


/* ---------- the "config" ROM ---------- */

Result<void> Child::_free_config_ds()
{
	if (!_config_ds.valid()) return { };
	auto r = _env.pd().free(std::move(_config_ds));
	_config_ds = Dataspace_capability();
	return r;
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

	Routed_session routed { "ROM", Label::prefixed(name(), "config") };
	routed.target.kind = Session_target::Kind::LOCAL;
	routed.state       = "CAP_HANDED_OUT";
	return Granted { std::move(routed), Untyped_capability(std::move(*cap)) };
}


void Child::update_config(std::optional<std::string> const &config)
{
	if (config == _start.config) return;
	_start.config = config;
	(void)_free_config_ds();
	if (!config) return;

	/* a fresh dataspace, then a signal: a client never sees a half-written config */
	auto rom = open_config_rom();
	if (!rom) { warning("\"", name(), "\": config update failed: ", error_name(rom.error())); return; }
	_config_sessions.pop_back();
	for (auto &s : _config_sessions) Signal_transmitter::submit(s->sigh_cap);
}


/* ---------- environment and start ---------- */

void Child::_request_env_session(std::string const &service, std::string const &label,
                                 std::string const &args)
{
	_env_pending++;
	Env_session &slot = _env_sessions[service];
	slot.session = Routed_session { service, Label::prefixed(name(), label), args };

	/* the router calls back only while this child exists */
	_router.route(*this, service, label, args, false, [this, service] (Result<Granted> r) {
		Env_session &slot = _env_sessions[service];
		if (!r) {
			warning("\"", name(), "\": environment session ", service, " failed: ", error_name(r.error()));
			slot.session.state = r.error() == Error::OUT_OF_RAM ? "INSUFFICIENT_RAM_QUOTA"
			                   : r.error() == Error::OUT_OF_CAPS ? "INSUFFICIENT_CAP_QUOTA"
			                   : "SERVICE_DENIED";
			_env_failed = true;
		} else {
			slot.session = std::move(r->session);
			slot.session.binary = (service == "ROM");
			slot.cap     = std::move(r->cap);
		}
		_env_session_done();
	});
}


void Child::trim_quota(uint64_t avail_ram, uint64_t avail_caps)
{
	if (_start.ram > avail_ram) {
		warning(name(), ": configured RAM exceeds available RAM, proceed with ", Arg_string::format_size(avail_ram));
		_start.ram = avail_ram;
	}
	if (_start.caps > avail_caps) {
		warning(name(), ": configured caps exceed available caps, proceed with ", avail_caps);
		_start.caps = avail_caps;
	}
}


void Child::launch()
{
	/*
	 * The child's environment sessions are paid from its assigned quota, so
	 * its PD gets the rest (Genode's Child::effective_quota): the state
	 * report shows a quota below the assigned one.
	 */
	uint64_t const ram  = _start.ram  - std::min(_start.ram,  ENV_RAM_COSTS);
	uint64_t const caps = _start.caps - std::min(_start.caps, ENV_CAP_COSTS);
	std::string quota = "ram_quota=" + std::to_string(ram) + ", cap_quota=" + std::to_string(caps);

	/* host resources granted by the start node travel with the PD session to core */
	if (!_start.host.empty()) {
		std::string grants;
		for (auto const &g : _start.host) {
			/* not '"|" + g.encoded()': GCC 12's -Wrestrict false positive at -O3 */
			if (!grants.empty()) grants += '|';
			grants += g.encoded();
		}
		quota = Arg_string::set_string(quota, "host", grants);
	}

	/* the binary's ROM is labelled with the binary's name, as routes see it */
	std::string const &binary_label = _start.binary;

	_launched = true;
	_request_env_session("PD",  "", quota);
	_request_env_session("CPU", "", "");
	_request_env_session("LOG", "", "");
	_request_env_session("ROM", binary_label, "");
}


void Child::_settle()
{
	if (_settled || !_launched) return;
	_settled = true;

	/* later: the sandbox may launch the next child, never from within 'launch' */
	std::weak_ptr<bool> const alive = _alive;
	_env.ep().schedule([this, alive] {
		if (auto const a = alive.lock(); a && *a) _observer.child_settled(*this); });
}


void Child::_incomplete()
{
	_state = State::INCOMPLETE;
	_report.trigger_report();
	_settle();
}


void Child::_env_session_done()
{
	if (--_env_pending) return;

	if (_env_failed) {
		/* like Genode: a child whose environment cannot be routed does not start */
		warning("\"", name(), "\" is incomplete: its environment cannot be routed");
		_incomplete();
		return;
	}
	_fetch_binary();
}


void Child::_fetch_binary()
{
	/* the ROM may be served by another child: ask without waiting */
	_binary_rom = std::make_unique<Async_rpc_client<Rom::Session>>(
		_env.ep(), Capability<Rom::Session>(std::move(_env_sessions["ROM"].cap)));

	_binary_rom->call<&Rom::Session::dataspace>([this] (Result<Dataspace_capability> ds) {
		if (!ds) {
			warning("\"", name(), "\" is incomplete: binary \"", _start.binary, "\" unavailable (",
			        error_name(ds.error()), ")");
			_incomplete();
			return;
		}
		_binary_ds = std::move(*ds);
		_env.ep().schedule([this] { _start_process(); });
	});
}


void Child::_start_process()
{
	_binary_rom.reset();
	_pd = std::make_unique<Pd::Client>(Capability<Pd::Session>(std::move(_env_sessions["PD"].cap)));

	auto fail = [&] (Error e) {
		warning("\"", name(), "\" is incomplete: ", error_name(e));
		_incomplete();
	};

	auto parent_cap = manage(_env.ep(), static_cast<Rpc_object<Parent::Session> &>(*this));
	if (!parent_cap) return fail(parent_cap.error());

	_exit_handler.emplace(_env.ep(), *this, &Child::_handle_exit_signal);
	(void)_pd->exit_sigh(_exit_handler->cap());
	auto started = _pd->start(std::move(_binary_ds), std::move(*parent_cap),
	                          Capability<Log::Session>(std::move(_env_sessions["LOG"].cap)),
	                          Capability<Cpu::Session>(std::move(_env_sessions["CPU"].cap)));
	if (!started) return fail(started.error());

	_state = State::RUNNING;
	_report.trigger_report();
	_settle();
}


/* ---------- the end ---------- */

void Child::_exited(int value, std::string const &message)
{
	if (_state == State::EXITED) return;
	_state      = State::EXITED;
	_exit_value = value;
	log(message);
	_close_all_sessions();
	_roots.clear();
	_observer.child_exited(*this);
	_report.trigger_report();
}


void Child::exit(int32_t value)
{
	_exited(value, concat("child \"", name(), "\" exited with exit value ", value));
}


void Child::_handle_exit_signal()
{
	if (_state == State::EXITED || !_pd) return;

	auto status = _pd->exit_status();
	if (!status) return;

	switch (status->state) {
	case Pd::Exit_status::EXITED:
		_exited(status->value, concat("child \"", name(), "\" exited with exit value ", status->value));
		break;
	case Pd::Exit_status::KILLED: {
		if (status->syscall[0]) {
			/* the sandbox stopped it: say what it tried */
			std::string const syscall(status->syscall, strnlen(status->syscall, sizeof(status->syscall)));
			_exited(-status->value, concat("\"", name(), "\" killed: forbidden system call ", syscall));
			break;
		}
		char const *abbrev = sigabbrev_np(status->value);
		_exited(-status->value, concat("child \"", name(), "\" killed by signal ", abbrev ? "SIG" : "",
		                               abbrev ? abbrev : "", " (", strsignal(status->value), ")"));
		break;
	}
	default: break;
	}
}


void Child::_close_all_sessions()
{
	auto sessions = std::move(_sessions);
	_sessions.clear();
	for (auto &[id, s] : sessions)
		if (s.target.kind != Session_target::Kind::NONE && std::string_view(s.state) != "CLOSE_REQUESTED")
			_router.close(this, s);
	_config_sessions.clear();
}


/* ---------- quota ---------- */

Result<void> Child::withdraw(uint64_t ram, uint64_t caps)
{
	if (!ram && !caps) return { };
	if (!_pd) return failure(Error::UNAVAILABLE);
	return _pd->withdraw(ram, caps);
}


Result<void> Child::transfer_to(Child &to, uint64_t ram, uint64_t caps)
{
	if (!ram && !caps) return { };
	if (!_pd || !to._pd) return failure(Error::UNAVAILABLE);
	auto target = copy(to._pd->cap());
	if (!target) return failure(target.error());
	return _pd->transfer_quota(std::move(*target), ram, caps);
}


void Child::deposit(uint64_t ram, uint64_t caps, std::function<void()> done)
{
	auto pd = _env_sessions.find("PD");
	if ((!ram && !caps) || pd == _env_sessions.end()
	 || pd->second.session.target.kind == Session_target::Kind::NONE) {
		if (done) done();
		return;
	}
	_router.upgrade(pd->second.session,
	                "ram_quota=" + std::to_string(ram) + ", cap_quota=" + std::to_string(caps),
	                [done = std::move(done)] (Result<void>) { if (done) done(); });
}


void Child::update_quota(uint64_t ram, uint64_t caps, uint64_t avail_ram, uint64_t avail_caps)
{
	uint64_t const old_ram = _start.ram, old_caps = _start.caps;
	uint64_t const up_ram  = ram  > old_ram  ? std::min(ram  - old_ram,  avail_ram)  : 0;
	uint64_t const up_caps = caps > old_caps ? std::min(caps - old_caps, avail_caps) : 0;
	_start.ram  = ram  > old_ram  ? old_ram  + up_ram  : ram;
	_start.caps = caps > old_caps ? old_caps + up_caps : caps;
	if (_state != State::RUNNING) return;

	if (up_ram || up_caps) {
		auto &pd = _env_sessions["PD"].session;
		_router.upgrade(pd, "ram_quota=" + std::to_string(up_ram) + ", cap_quota=" + std::to_string(up_caps),
		                [this, up_ram, up_caps] (Result<void> r) {
			if (!r) { warning("\"", name(), "\": quota upgrade failed: ", error_name(r.error())); return; }
			_requested_ram  -= std::min(_requested_ram,  up_ram);
			_requested_caps -= std::min(_requested_caps, up_caps);
			Signal_transmitter::submit(_resource_avail_sigh);
			_report.trigger_report();
		});
	}

	/* a lowered quota is asked back: the child yields, then init withdraws */
	_yield_ram  = old_ram  > ram  ? old_ram  - ram  : 0;
	_yield_caps = old_caps > caps ? old_caps - caps : 0;
	if (_yield_ram || _yield_caps) {
		_yield_request = "ram_quota=" + std::to_string(_yield_ram) + ", cap_quota=" + std::to_string(_yield_caps);
		yield_response();   /* take what is unused already */
		if (_yield_ram || _yield_caps) Signal_transmitter::submit(_yield_sigh);
	}
}


void Child::yield_response()
{
	if (!_pd || (!_yield_ram && !_yield_caps)) return;

	/* take back as much of the request as is unused now */
	auto quota = _pd->ram();
	auto caps  = _pd->caps();
	uint64_t const ram_avail  = quota ? quota->limit - quota->used : 0;
	uint64_t const caps_avail = caps  ? caps->limit  - caps->used  : 0;
	uint64_t const ram  = std::min(_yield_ram,  ram_avail);
	uint64_t const capn = std::min(_yield_caps, caps_avail);
	if (_pd->withdraw(ram, capn)) {
		_yield_ram  -= ram;
		_yield_caps -= capn;
		_report.trigger_report();
	}
	if (!_yield_ram && !_yield_caps) _yield_request.clear();
}


std::optional<Pd::Quota> Child::ram_quota()
{
	if (!_pd || _state != State::RUNNING) return std::nullopt;
	auto q = _pd->ram();
	return q ? std::optional<Pd::Quota>(*q) : std::nullopt;
}


std::optional<Pd::Quota> Child::cap_quota()
{
	if (!_pd || _state != State::RUNNING) return std::nullopt;
	auto q = _pd->caps();
	return q ? std::optional<Pd::Quota>(*q) : std::nullopt;
}


Result<void> Child::resource_request(std::string_view args)
{
	_requested_ram  = Arg_string::number(args, "ram_quota");
	_requested_caps = Arg_string::number(args, "cap_quota");
	if (_requested_ram || _requested_caps)
		log("child \"", name(), "\" requests resources: ", args);
	_report.trigger_report();
	return { };
}


bool Child::heartbeat()
{
	if (_state != State::RUNNING || !_heartbeat_sigh.valid()) return false;
	if (_heartbeat_pending) {
		_skipped_heartbeats++;
		_report.trigger_report();
	}
	_heartbeat_pending = true;
	Signal_transmitter::submit(_heartbeat_sigh);
	return _start.restart_after_skipped && _skipped_heartbeats >= _start.restart_after_skipped;
}


/* ---------- the parent interface ---------- */

Result<void> Child::announce(std::string_view service, Capability<Root::Session> root)
{
	if (!declares(service)) {
		warning("\"", name(), "\" announced service \"", service, "\", which its <provides> does not declare");
		return failure(Error::DENIED);
	}
	_roots[std::string(service)] = std::make_unique<Async_rpc_client<Root::Session>>(_env.ep(), std::move(root));
	_env.ep().schedule([this] { _observer.child_announced(*this); });
	return { };
}


void Child::update_provides(std::vector<std::string> const &provides)
{
	_start.provides = provides;
	for (auto it = _roots.begin(); it != _roots.end(); )
		it = declares(it->first) ? std::next(it) : _roots.erase(it);
}


Result<Session_grant> Child::session(std::string_view service, std::string_view label, std::string_view args)
{
	if (_state == State::EXITED) return failure(Error::DENIED);

	Deferred_reply reply = defer_reply();
	uint32_t const id = _next_session_id++;
	_sessions[id] = Routed_session { std::string(service), Label::prefixed(name(), label), std::string(args) };

	_router.route(*this, std::string(service), std::string(label), std::string(args), true,
	              [this, reply, id] (Result<Granted> r) mutable {
		auto it = _sessions.find(id);
		if (!r || it == _sessions.end()) {
			if (r) _router.close(this, r->session);   /* granted too late: closed meanwhile */
			_sessions.erase(id);
			Error const e = r ? Error::DENIED : r.error();
			reply.send([e] (Msg_writer &w) { Marshal<Result<Session_grant>>::put(w, failure(e)); });
			_report.trigger_report();
			return;
		}
		it->second = std::move(r->session);
		it->second.state = "CAP_HANDED_OUT";
		Session_grant grant { id, std::move(r->cap) };
		reply.send([&grant] (Msg_writer &w) { Marshal<Result<Session_grant>>::put(w, std::move(grant)); });
		_report.trigger_report();
	});
	return failure(Error::UNAVAILABLE);   /* not sent: the reply is deferred */
}


Result<void> Child::upgrade(uint32_t id, std::string_view args)
{
	auto it = _sessions.find(id);
	if (it == _sessions.end() || it->second.target.kind == Session_target::Kind::NONE
	 || std::string_view(it->second.state) == "CLOSE_REQUESTED")
		return failure(Error::INVALID_ARGS);

	/* the client pays for the upgrade */
	uint64_t const ram  = Arg_string::number(args, "ram_quota");
	uint64_t const caps = Arg_string::number(args, "cap_quota");
	if (auto paid = withdraw(ram, caps); !paid) return paid;
	it->second.donated_ram  += ram;
	it->second.donated_caps += caps;

	/* answered once the server has the quota: the client's next call cannot overtake it */
	Deferred_reply reply = defer_reply();
	_router.upgrade(it->second, std::string(args), [reply] (Result<void> r) mutable {
		reply.send([&r] (Msg_writer &w) { Marshal<Result<void>>::put(w, r); });
	});
	return { };
}


Result<void> Child::close(uint32_t id)
{
	auto it = _sessions.find(id);
	if (it == _sessions.end() || std::string_view(it->second.state) == "CLOSE_REQUESTED")
		return failure(Error::INVALID_ARGS);
	_report.trigger_report();
	if (it->second.target.kind == Session_target::Kind::NONE) {
		_sessions.erase(it);
		return { };
	}

	/*
	 * Answered once the server has closed the session, as a Genode client's
	 * close returns only then: what the server logs on close comes before
	 * what the client logs next. init itself waits for nothing. Until then
	 * the report shows the session as CLOSE_REQUESTED.
	 */
	it->second.state = "CLOSE_REQUESTED";
	Deferred_reply reply = defer_reply();
	_router.close(this, it->second, [this, alive = _alive, id, reply] () mutable {
		if (*alive) {
			_sessions.erase(id);
			_report.trigger_report();
		}
		reply.send([] (Msg_writer &w) { Marshal<Result<void>>::put(w, Result<void> { }); }); });
	return failure(Error::UNAVAILABLE);   /* not sent: the reply is deferred */
}
