/*
 * Input event queue and the Input session over it
 */

#include <nestbox/input/event_queue.h>

#include <algorithm>

using namespace nestbox;
using namespace nestbox::Input;


bool Event_queue::add(Event const &e)
{
	bool const was_empty = _events.empty();
	auto const motion = [] (Event const &ev) { return ev.type == Event::ABS_MOTION; };

	/*
	 * A newer position supersedes an older one only while no button or
	 * key is held: with one held (a stroke, a drag), the path matters and
	 * every position stays, unless the queue is full, where merging loses
	 * less than dropping the oldest event (the press itself).
	 */
	bool const full = _events.size() >= std::max<size_t>(_policy.capacity, 1);
	if (_policy.merge_motion && motion(e) && !was_empty && motion(_events.back())
	 && (_held == 0 || full)) {
		_events.back() = e;
		return false;
	}

	if (e.type == Event::PRESS) _held++;
	if (e.type == Event::RELEASE && _held > 0) _held--;

	/* a capacity of 0 would make the queue a sink: it holds one event at least */
	if (full) {
		_events.pop_front();
		_dropped++;
	}
	_events.push_back(e);
	return was_empty;
}


size_t Event_queue::take(std::span<Event> dst)
{
	size_t const n = std::min(dst.size(), _events.size());
	for (size_t i = 0; i < n; i++) dst[i] = _events[i];
	_events.erase(_events.begin(), _events.begin() + ptrdiff_t(n));
	return n;
}


void Queue_session::submit(std::span<Event const> batch)
{
	bool const was_empty = _queue.empty();
	for (Event const &e : batch) _queue.add(e);

	/* one signal per batch that made events pending: the client flushes until nothing is left */
	if (was_empty && !_queue.empty() && _sigh.valid()) Signal_transmitter::submit(_sigh);
}


uint32_t Queue_session::flush()
{
	/* never more than the buffer the client maps holds, whatever its size */
	size_t const capacity = std::min<size_t>(_buffer.size() / sizeof(Event), MAX_EVENTS);
	size_t const n = _queue.take({ _buffer.local_addr<Event>(), capacity });

	/* more than a buffer full: the client is told to come back */
	if (!_queue.empty() && _sigh.valid()) Signal_transmitter::submit(_sigh);
	return uint32_t(n);
}


void Queue_session::sigh(Signal_context_capability sigh)
{
	_sigh = std::move(sigh);

	/* events that arrived before the handler did are announced at once */
	if (_sigh.valid() && pending()) Signal_transmitter::submit(_sigh);
}
