/*
 * Core as init's parent
 */

#include "core_parent.h"

#include <nestbox/log.h>

using namespace Core;
using namespace nestbox;

Result<void> Core_parent::announce(std::string_view service, Capability<Root::Session>)
{
	warning("\"", _child_name, "\" announced \"", service, "\" to core, which uses no services of its children");
	return failure(Error::DENIED);
}


Result<void> Core_parent::_charge(uint64_t ram, uint64_t caps)
{
	if (!_child_pd.ram_account().try_charge(ram)) return failure(Error::OUT_OF_RAM);
	if (!_child_pd.cap_account().try_charge(caps)) {
		_child_pd.ram_account().release(ram);
		return failure(Error::OUT_OF_CAPS);
	}
	return { };
}


Result<Session_grant> Core_parent::session(std::string_view service, std::string_view label,
                                           std::string_view args)
{
	auto it = _services.find(service);
	if (it == _services.end()) {
		warning("\"", _child_name, "\" requested unknown service \"", service, "\" from core");
		return failure(Error::DENIED);
	}

	uint64_t const ram  = Arg_string::number(args, "ram_quota");
	uint64_t const caps = Arg_string::number(args, "cap_quota");

	/* the quota that flows with the request comes out of the requester's PD */
	if (auto charged = _charge(ram, caps); !charged) return failure(charged.error());

	std::string const routed_args =
		Arg_string::set_string(args, "label", Label::prefixed(_child_name, label));

	auto grant = it->second->session(routed_args);
	if (!grant) {
		_child_pd.ram_account().release(ram);
		_child_pd.cap_account().release(caps);
		return failure(grant.error());
	}

	uint32_t const id = _next_id++;
	_sessions[id] = Session { it->second, grant->id, ram, caps };

	/* quota a PD gives back returns to the requester's PD */
	if (auto *pd = _ep.lookup_as<Pd_session_component>(grant->cap)) {
		pd->on_withdraw = [this, id] (uint64_t ram, uint64_t caps) {
			auto s = _sessions.find(id);
			if (s == _sessions.end()) return;
			s->second.ram  -= std::min(s->second.ram,  ram);
			s->second.caps -= std::min(s->second.caps, caps);
			_child_pd.ram_account().release(ram);
			_child_pd.cap_account().release(caps);
		};
	}
	return Session_grant { id, std::move(grant->cap) };
}


Result<void> Core_parent::upgrade(uint32_t id, std::string_view args)
{
	auto it = _sessions.find(id);
	if (it == _sessions.end()) return failure(Error::INVALID_ARGS);

	uint64_t const ram  = Arg_string::number(args, "ram_quota");
	uint64_t const caps = Arg_string::number(args, "cap_quota");
	if (auto charged = _charge(ram, caps); !charged) return charged;
	it->second.ram  += ram;
	it->second.caps += caps;
	return it->second.root->upgrade(it->second.root_id, args);
}


Result<void> Core_parent::close(uint32_t id)
{
	auto it = _sessions.find(id);
	if (it == _sessions.end()) return failure(Error::INVALID_ARGS);
	Session const s = it->second;
	_sessions.erase(it);
	auto const closed = s.root->close(s.root_id);
	_child_pd.ram_account().release(s.ram);
	_child_pd.cap_account().release(s.caps);
	return closed;
}


Core_parent::~Core_parent()
{
	/* the PDs outlive this parent only during teardown: cut their way back */
	for (auto &[id, s] : _sessions) (void)s.root->close(s.root_id);
}


Result<void> Core_parent::resource_request(std::string_view args)
{
	warning("\"", _child_name, "\" requests more resources (", args, "); core has none to give: ",
	        "start nestbox with a larger --ram or --caps");
	return failure(Error::OUT_OF_RAM);
}
