/*
 * Root_component: the server side of session creation
 *
 * A server derives from it, implements '_create_session' (and optionally the
 * upgrade and destroy hooks) and announces it:
 *
 *   (void)nestbox::announce(env, "LOG", root);
 *
 * Sessions are owned here and addressed by ids local to this root; every id
 * a parent sends is checked.
 */
#pragma once

#include <map>
#include <memory>

#include <nestbox/base/rpc.h>
#include <nestbox/session/root.h>
#include <nestbox/util/arg_string.h>

namespace nestbox {

class Env;

/*
 * Offer 'root' to the parent as the provider of 'service': the root becomes
 * an RPC object of the component's entrypoint, and the parent gets its
 * capability. A failure is logged with its reason ("<service> service not
 * announced: …") and returned; a server that can do without the service
 * goes on, one that cannot checks the result.
 */
Result<void> announce(Env &, std::string_view service, Rpc_object<Root::Session> &root);


template <typename SESSION>
class Root_component : public Rpc_object<Root::Session>
{
	private:

		Entrypoint                                  &_ep;
		std::map<uint32_t, std::unique_ptr<SESSION>> _sessions { };
		uint32_t                                     _next_id = 1;

	protected:

		virtual Result<std::unique_ptr<SESSION>> _create_session(std::string_view args) = 0;
		virtual void _upgrade_session(SESSION &, std::string_view /* args */) { }
		virtual void _destroy_session(SESSION &) { }

	public:

		explicit Root_component(Entrypoint &ep) : _ep(ep) { }

		Entrypoint &ep() { return _ep; }

		template <typename FN> void for_each_session(FN const &fn)
		{
			for (auto &[id, s] : _sessions) fn(*s);
		}

		size_t num_sessions() const { return _sessions.size(); }

		Result<Session_grant> session(std::string_view args) override
		{
			auto session = _create_session(args);
			if (!session) return failure(session.error());

			auto fd = _ep.mint(**session);
			if (!fd) return failure(fd.error());

			uint32_t const id = _next_id++;
			_sessions.emplace(id, std::move(*session));
			return Session_grant { id, Untyped_capability(std::move(*fd)) };
		}

		Result<void> upgrade(uint32_t id, std::string_view args) override
		{
			auto it = _sessions.find(id);
			if (it == _sessions.end()) return failure(Error::INVALID_ARGS);
			_upgrade_session(*it->second, args);
			return { };
		}

		Result<void> close(uint32_t id) override
		{
			auto it = _sessions.find(id);
			if (it == _sessions.end()) return failure(Error::INVALID_ARGS);
			_destroy_session(*it->second);
			_sessions.erase(it);
			return { };
		}
};

} /* namespace nestbox */
