/*
 * Services that init offers to its parent on behalf of its children
 */

#include "service_export.h"

#include <nestbox/log.h>
#include <nestbox/util/arg_string.h>

using namespace Init;
using namespace nestbox;

Result<Session_grant> Export_root::session(std::string_view args)
{
	std::string const label = Arg_string::string(args, "label");
	Service_export::Policy const *policy = _export.select(label);
	if (!policy) {
		warning("no policy of service \"", _export.name, "\" matches label \"", label, "\"");
		return failure(Error::DENIED);
	}

	std::string const forwarded_args = policy->rewrite_label
		? Arg_string::set_string(args, "label", *policy->rewrite_label) : std::string(args);

	Deferred_reply reply = defer_reply();
	uint32_t const id = _next_id++;
	std::string const child = policy->child;

	_router.route_export(child, _export.name, forwarded_args,
	                     [this, reply, id, child] (Result<Session_grant> r) mutable {
		if (!r) {
			Error const e = r.error();
			reply.send([e] (Msg_writer &w) { Marshal<Result<Session_grant>>::put(w, failure(e)); });
			return;
		}
		_sessions[id] = Forwarded { child, r->id };
		Session_grant grant { id, std::move(r->cap) };
		reply.send([&grant] (Msg_writer &w) { Marshal<Result<Session_grant>>::put(w, std::move(grant)); });
	});
	return failure(Error::UNAVAILABLE);   /* not sent: the reply is deferred */
}


Result<void> Export_root::upgrade(uint32_t id, std::string_view args)
{
	auto it = _sessions.find(id);
	if (it == _sessions.end()) return failure(Error::INVALID_ARGS);
	_router.upgrade_export(it->second.child, _export.name, it->second.id, std::string(args));
	return { };
}


Result<void> Export_root::close(uint32_t id)
{
	auto it = _sessions.find(id);
	if (it == _sessions.end()) return failure(Error::INVALID_ARGS);
	_router.close_export(it->second.child, _export.name, it->second.id);
	_sessions.erase(it);
	return { };
}
