/*
 * Connection: a session opened through the parent for as long as it lives
 *
 *   Timer::Connection timer { env };
 *
 * The constructor form is for sessions a component cannot do without: if the
 * parent denies it, the component logs why and exits (as a Genode component
 * would on Service_denied). 'Connection::open' returns the error instead.
 */
#pragma once

#include <memory>

#include <nestbox/env.h>
#include <nestbox/log.h>
#include <nestbox/util/arg_string.h>

namespace nestbox {

template <typename CLIENT>
class Connection : public CLIENT
{
	private:

		Env     *_env = nullptr;
		uint32_t _id  = 0;

		struct Opened { };
		Connection(Opened, Env &env, uint32_t id, Untyped_capability &&cap)
		: CLIENT(Capability<typename CLIENT::Interface>(std::move(cap))), _env(&env), _id(id) { }

	public:

		static constexpr char const *service_name() { return CLIENT::Interface::service_name(); }

		static Result<std::unique_ptr<Connection>> open(Env &env, std::string_view label = "",
		                                                std::string_view args = "")
		{
			auto grant = env.session(service_name(), label, args);
			if (!grant) return failure(grant.error());
			return std::unique_ptr<Connection>(new Connection(Opened { }, env, grant->id, std::move(grant->cap)));
		}

		Connection(Env &env, std::string_view label = "", std::string_view args = "") : _env(&env)
		{
			auto grant = env.session(service_name(), label, args);
			if (!grant) {
				error(service_name(), " session (label \"", label, "\") failed: ", error_name(grant.error()));
				env.exit(-1);
			}
			this->assign(Capability<typename CLIENT::Interface>(std::move(grant->cap)));
			_id = grant->id;
		}

		~Connection() { if (_env && _id) _env->close(_id); }

		Connection(Connection const &) = delete;

		uint32_t id() const { return _id; }

		/* Donate more quota to the session */
		Result<void> upgrade(std::string_view args) { return _env->parent().upgrade(_id, args); }
};

} /* namespace nestbox */
