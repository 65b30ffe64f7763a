/*
 * Liveness of init's children (<heartbeat rate_ms> of the config)
 *
 * Every period, each child is asked for a heartbeat; one that skipped as many
 * as its start node's <heartbeat restart_after_skipped> allows is handed to
 * the 'Restarter', the part that holds the children.
 */
#pragma once

#include <string>
#include <vector>

#include <nestbox/init/config_model.h>

#include "children.h"
#include "timeouts.h"

namespace Init {

class Heartbeat : private Timeouts::Client
{
	public:

		struct Restarter
		{
			/* Restart the children of these names, which stopped answering */
			virtual void restart_hung(std::vector<std::string> const &names) = 0;

			virtual ~Restarter() = default;
		};

	private:

		Config_model const &_model;
		Children const     &_children;
		Timeouts           &_timeouts;
		Restarter          &_restarter;

		uint64_t _next_us = 0;   /* 0: no heartbeat */

		/* Timeouts::Client */
		std::optional<uint64_t> deadline_us() const override;
		void handle_timeout(uint64_t now_us) override;

	public:

		Heartbeat(Config_model const &model, Children const &children, Timeouts &timeouts,
		          Restarter &restarter)
		: _model(model), _children(children), _timeouts(timeouts), _restarter(restarter)
		{
			_timeouts.add(*this);
		}

		/* Follow the config's <heartbeat rate_ms> */
		void apply_config();
};

} /* namespace Init */
