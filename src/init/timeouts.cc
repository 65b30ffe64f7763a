/*
 * init's one Timer session
 */

#include "timeouts.h"

using namespace Init;

uint64_t Timeouts::now_us()
{
	if (!_timer) { _timer.emplace(_env); (void)_timer->sigh(_handler.cap()); }
	auto now = _timer->elapsed_us();
	return now ? *now : 0;
}


void Timeouts::schedule()
{
	if (!_timer) return;

	uint64_t deadline = UINT64_MAX;
	for (Client const *c : _clients)
		if (auto d = c->deadline_us()) deadline = std::min(deadline, *d);
	if (deadline == UINT64_MAX) return;

	uint64_t const now = now_us();
	(void)_timer->trigger_once(deadline > now ? deadline - now : 0);
}


void Timeouts::_handle()
{
	uint64_t const now = now_us();
	for (Client *c : _clients) c->handle_timeout(now);
	schedule();
}
