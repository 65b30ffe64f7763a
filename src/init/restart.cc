/*
 * Restarting crashed children
 */

#include "restart.h"

#include <algorithm>

#include <nestbox/log.h>

using namespace Init;
using namespace nestbox;

static char const *ending(int exit_value)
{
	return exit_value < 0 ? "crashed" : "failed";
}


void Restarts::child_exited(Child const &child)
{
	Start_node const *start = _model.start(child.name());
	if (!start || !start->restart || !start->restart->applies(child.exit_value())) return;
	Restart_policy const &policy = *start->restart;

	History &h = _histories[child.name()];
	if (h.given_up || h.due_us) return;

	uint64_t const now = _timeouts.now_us();
	uint64_t const window_us = uint64_t(policy.within_s) * 1'000'000;
	while (!h.restarts_us.empty() && now - h.restarts_us.front() >= window_us)
		h.restarts_us.pop_front();

	if (h.restarts_us.size() >= policy.max) {
		h.given_up = true;
		error("\"", child.name(), "\" ", ending(child.exit_value()), " again after ", h.restarts_us.size(),
		      " restarts within ", policy.within_s, " s: init gives up on it (<restart max=\"",
		      policy.max, "\" within_s=\"", policy.within_s, "\"/>)");
		return;
	}

	/* the delay doubles with each restart in the window, up to MAX_DELAY_MS */
	uint64_t delay_ms = policy.backoff_ms;
	for (size_t i = 0; i < h.restarts_us.size() && delay_ms < Restart_policy::MAX_DELAY_MS; i++)
		delay_ms *= 2;
	delay_ms = std::min<uint64_t>(delay_ms, Restart_policy::MAX_DELAY_MS);

	h.restarts_us.push_back(now);
	h.total++;
	h.due_us = now + delay_ms * 1000;
	warning("\"", child.name(), "\" ", ending(child.exit_value()), ": restarting it in ", delay_ms,
	        " ms (restart ", h.restarts_us.size(), " of at most ", policy.max, " within ", policy.within_s, " s)");
	_timeouts.schedule();
}


void Restarts::apply_config(std::vector<std::string> const &restarted_by_config)
{
	for (auto it = _histories.begin(); it != _histories.end(); ) {
		Start_node const *start = _model.start(it->first);
		bool const gone = !start || !start->restart;
		bool const anew = std::find(restarted_by_config.begin(), restarted_by_config.end(), it->first)
		               != restarted_by_config.end();
		it = (gone || anew) ? _histories.erase(it) : std::next(it);
	}
}


std::optional<uint64_t> Restarts::deadline_us() const
{
	std::optional<uint64_t> earliest { };
	for (auto const &[name, h] : _histories)
		if (h.due_us && (!earliest || *h.due_us < *earliest)) earliest = h.due_us;
	return earliest;
}


void Restarts::handle_timeout(uint64_t now_us)
{
	std::vector<std::string> due;
	for (auto &[name, h] : _histories)
		if (h.due_us && *h.due_us <= now_us) { h.due_us.reset(); due.push_back(name); }
	if (!due.empty()) _restarter.restart_crashed(due);
}


unsigned Restarts::restarts(std::string_view name) const
{
	auto it = _histories.find(name);
	return it == _histories.end() ? 0 : it->second.total;
}


bool Restarts::given_up(std::string_view name) const
{
	auto it = _histories.find(name);
	return it != _histories.end() && it->second.given_up;
}
