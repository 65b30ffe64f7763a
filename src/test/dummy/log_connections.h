/*
 * A batch of LOG sessions the dummy opens as a client
 *
 * Scenarios use it to exercise session routing, session quota upgrades and
 * the closing of many sessions at once.
 */
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nestbox/connection.h>
#include <nestbox/log.h>
#include <nestbox/session/log.h>
#include <nestbox/util/arg_string.h>

namespace Dummy {

	using namespace nestbox;

	class Log_connections;
}


class Dummy::Log_connections
{
	private:

		using Connection = nestbox::Connection<Log::Client>;

		std::vector<std::unique_ptr<Connection>> _connections { };

	public:

		Log_connections(Env &env, unsigned count, uint64_t ram_upgrade)
		{
			log("going to create ", count, " LOG connections");

			/* labels count from 0, as Genode's dummy names its sessions */
			for (unsigned i = 0; i < count; i++) {

				auto connection = Connection::open(env, std::to_string(i));
				if (!connection) {
					error("LOG connection ", i, " failed: ", error_name(connection.error()));
					continue;
				}

				if (ram_upgrade > 0) {
					log("upgrade connection ", i);
					auto upgraded = (*connection)->upgrade("ram_quota=" + std::to_string(ram_upgrade));
					if (!upgraded)
						error("upgrade of LOG connection ", i, " failed: ",
						      error_name(upgraded.error()));
				}

				_connections.push_back(std::move(*connection));
			}

			log("created all LOG connections");
		}

		~Log_connections()
		{
			_connections.clear();

			log("destroyed all LOG connections");
		}

		Log_connections(Log_connections const &) = delete;
};
