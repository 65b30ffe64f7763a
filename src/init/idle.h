/*
 * When init has nothing left to do, and telling its parent so
 *
 * init is idle when no child runs and none can start before the config
 * changes: every child has exited or is incomplete. It then tells its parent
 * (Parent::Session::idle), once per idle period. Core ends 'nestbox run' on
 * it; a parent init ignores it, so that a nested init keeps Genode's
 * semantics and never ends on its own.
 */
#pragma once

#include <functional>
#include <optional>

#include "children.h"

namespace Init {

/*
 * nullopt while a child runs or can still start; else init's verdict: 0 if
 * every child exited with 0 (or there is none), 1 if one exited with another
 * value, was killed or stayed incomplete
 */
std::optional<int> idle_value(Children const &);

class Idle
{
	private:

		nestbox::Entrypoint      &_ep;
		Children const           &_children;
		std::function<void(int)>  _tell_parent;

		bool _check_due = false;
		bool _told      = false;   /* in the current idle period */

		void _check();

	public:

		Idle(nestbox::Entrypoint &ep, Children const &children, std::function<void(int)> tell_parent)
		: _ep(ep), _children(children), _tell_parent(std::move(tell_parent)) { }

		/*
		 * A child started, exited, became incomplete or went. Checked once the
		 * current event is handled, so that a child that is destroyed and
		 * restarted in one go is never seen missing.
		 */
		void children_changed();
};

} /* namespace Init */
