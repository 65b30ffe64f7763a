/*
 * Liveness of init's children
 */

#include "heartbeat.h"

using namespace Init;

void Heartbeat::apply_config()
{
	/* a changed rate applies from the next heartbeat on */
	if (_model.heartbeat_ms && !_next_us) {
		_next_us = _timeouts.now_us() + _model.heartbeat_ms * 1000;

		/* the first heartbeat must not wait for a state report to set the timer */
		_timeouts.schedule();
	}
	if (!_model.heartbeat_ms)
		_next_us = 0;
}


std::optional<uint64_t> Heartbeat::deadline_us() const
{
	return _next_us ? std::optional<uint64_t>(_next_us) : std::nullopt;
}


void Heartbeat::handle_timeout(uint64_t now_us)
{
	if (!_next_us || now_us < _next_us) return;

	_next_us = now_us + _model.heartbeat_ms * 1000;
	std::vector<std::string> hung;
	_children.for_each([&] (Child &child) {
		if (child.heartbeat()) hung.push_back(child.name()); });
	if (!hung.empty()) _restarter.restart_hung(hung);
}
