/*
 * Restarting crashed children (<restart> of a start node, our extension)
 *
 * Genode's init restarts a child only when its version changes or it misses
 * heartbeats; a crashed server stays down until someone changes the config.
 * A start node with <restart on="crash" max within_s backoff_ms> is started
 * again after a crash instead, after a delay that doubles with each restart
 * of the window, at most 'max' times within any 'within_s' seconds. Then
 * init gives up on it, says so once, and the state report shows it. The
 * 'Restarter', the part that holds the children, does the restart itself.
 */
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nestbox/init/config_model.h>

#include "children.h"
#include "timeouts.h"

namespace Init {

class Restarts : private Timeouts::Client
{
	public:

		struct Restarter
		{
			/* Start these exited children again */
			virtual void restart_crashed(std::vector<std::string> const &names) = 0;

			virtual ~Restarter() = default;
		};

	private:

		struct History
		{
			std::deque<uint64_t> restarts_us { };   /* of the current window */
			unsigned             total = 0;        /* since the config named it */
			bool                 given_up = false;
			std::optional<uint64_t> due_us { };    /* a restart is pending */
		};

		Config_model const &_model;
		Timeouts           &_timeouts;
		Restarter          &_restarter;

		std::map<std::string, History, std::less<>> _histories { };   /* by start name */

		/* Timeouts::Client */
		std::optional<uint64_t> deadline_us() const override;
		void handle_timeout(uint64_t now_us) override;

	public:

		Restarts(Config_model const &model, Timeouts &timeouts, Restarter &restarter)
		: _model(model), _timeouts(timeouts), _restarter(restarter)
		{
			_timeouts.add(*this);
		}

		/* A child ended: restart it later if its policy says so */
		void child_exited(Child const &);

		/*
		 * Forget children the config dropped or changed (a new start node
		 * starts with a fresh budget); a pending restart of a child that the
		 * config restarts anyway is dropped
		 */
		void apply_config(std::vector<std::string> const &restarted_by_config);

		/* For the state report */
		unsigned restarts(std::string_view name) const;
		bool     given_up(std::string_view name) const;
};

} /* namespace Init */
