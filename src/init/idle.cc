/*
 * When init has nothing left to do
 */

#include "idle.h"

using namespace Init;

std::optional<int> Init::idle_value(Children const &children)
{
	std::optional<int> value = 0;
	children.for_each([&] (Child const &child) {
		if (!value) return;
		switch (child.state()) {
		case Child::State::STARTING:
		case Child::State::RUNNING:    value = std::nullopt; break;
		case Child::State::INCOMPLETE: value = 1; break;
		case Child::State::EXITED:     if (child.exit_value() != 0) value = 1; break;
		}
	});
	return value;
}


void Idle::children_changed()
{
	if (_check_due) return;
	_check_due = true;
	_ep.schedule([this] { _check(); });
}


void Idle::_check()
{
	_check_due = false;
	std::optional<int> const value = idle_value(_children);
	if (!value) { _told = false; return; }
	if (_told) return;
	_told = true;
	_tell_parent(*value);
}
