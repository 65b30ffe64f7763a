/*
 * init's state report (Genode's format)
 *
 * Whatever changes triggers the report; it is produced after the <report>
 * node's delay_ms, so that a burst of changes (a child starting, say) is
 * reported once.
 */
#pragma once

#include <optional>

#include <nestbox/report.h>

#include <nestbox/init/config_model.h>

#include "children.h"
#include "report_trigger.h"
#include "restart.h"
#include "timeouts.h"

namespace Init {

class State_report : public Report_trigger, private Timeouts::Client
{
	private:

		nestbox::Env       &_env;
		Config_model const &_model;
		Children const     &_children;
		Timeouts           &_timeouts;
		Restarts const     &_restarts;

		std::optional<nestbox::Reporter> _reporter { };
		uint64_t                         _buffer = 0;
		bool                             _due = false;
		uint64_t                         _due_us = 0;

		std::string _generate() const;

		/* Timeouts::Client */
		std::optional<uint64_t> deadline_us() const override;
		void handle_timeout(uint64_t now_us) override;

	public:

		State_report(nestbox::Env &env, Config_model const &model, Children const &children,
		             Timeouts &timeouts, Restarts const &restarts)
		: _env(env), _model(model), _children(children), _timeouts(timeouts), _restarts(restarts)
		{
			_timeouts.add(*this);
		}

		/* Follow the config's <report>: open, resize or close the Report session */
		void apply_config();

		void trigger_report() override;
};

} /* namespace Init */
