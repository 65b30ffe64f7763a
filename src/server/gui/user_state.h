/*
 * User_state: where the user's input goes
 *
 * It follows the pointer, decides focus and hover, and routes each event
 * from the driver to exactly one client (or none):
 *
 * - A key sequence (from the first press to the release of the last key)
 *   goes to one receiver as a whole, so a release always reaches the
 *   client that saw the press, whatever happens to the focus meanwhile.
 * - A sequence started by a global key goes to that key's client; one
 *   started by a pointer button goes to the client under the pointer (and
 *   moves the focus there as its domain permits: "click" for good,
 *   "transient" until the sequence ends, "none" not at all); any other to
 *   the focused client.
 * - Motion goes to the receiver of a button or global-key sequence (a
 *   drag), else to the hovered client if it has the focus or its domain
 *   says hover="always".
 *
 * Positions are passed in the receiving client's domain coordinates: the
 * coordinates in which it places its views.
 *
 * It knows clients only as View_owners (what the view stack knows of them),
 * which is how their events reach them, and tells the server above it
 * (Main) about focus and hover through its 'Action' interface: it never
 * depends on the sessions, and they never depend on it.
 */
#pragma once

#include <bitset>
#include <set>

#include "focus.h"
#include "global_keys.h"
#include "view_stack.h"

namespace Gui_server { class User_state; }


class Gui_server::User_state
{
	public:

		struct Action
		{
			virtual ~Action() = default;

			virtual void focus_changed(View_owner *old_focus, View_owner *new_focus) = 0;
			virtual void hover_changed() = 0;

			/* The global-key receiver for a sequence started by 'code', or nullptr */
			virtual View_owner *global_key_receiver(uint32_t code) = 0;
		};

	private:

		View_stack &_stack;
		Focus      &_focus;
		Action     &_action;

		bool  _pointer_seen = false;   /* no pointer is shown before the first motion */

		std::bitset<KEY_COUNT> _pressed { };
		unsigned               _key_count = 0;

		View_owner *_hovered  = nullptr;
		View_owner *_receiver = nullptr;   /* of the current key sequence */
		bool        _grab     = false;     /* the receiver gets the motion too */

		View_owner *_motion_target = nullptr;   /* got the last motion event */

		bool        _transient = false;    /* the focus returns to '_restore' after the sequence */
		View_owner *_restore   = nullptr;

		std::set<uint32_t> _fingers { };
		View_owner        *_touched = nullptr;

		void _deliver(View_owner *, Input::Event);
		void _motion(Point);
		View_owner *_motion_receiver() const;
		void _press(Input::Event const &);
		void _release(Input::Event const &);
		void _touch(Input::Event const &);
		void _click_focus(View_owner *clicked);
		void _update_hover();
		void _check_motion_target();

	public:

		User_state(View_stack &stack, Focus &focus, Action &action)
		: _stack(stack), _focus(focus), _action(action) { }

		void handle(Input::Event const &);

		/* Give the focus to a session (or nobody), telling both sides */
		void focus(View_owner *);

		/* Views changed under a resting pointer: it may hover another one now */
		void update_hover() { _update_hover(); }

		/* A session is about to vanish: no reference to it may remain */
		void forget(View_owner &);

		bool        pointer_visible() const { return _pointer_seen; }
		View_owner *hovered()         const { return _hovered; }
		unsigned    key_count()       const { return _key_count; }
};
