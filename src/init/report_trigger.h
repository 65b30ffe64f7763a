/*
 * The one thing every part of init may tell the state report: it changed
 */
#pragma once

namespace Init {

struct Report_trigger
{
	/* Something the state report shows changed: report it (after a short delay) */
	virtual void trigger_report() = 0;

	virtual ~Report_trigger() = default;
};

} /* namespace Init */
