/*
 * Input routing, focus and hover
 */

#include "user_state.h"

#include <linux/input-event-codes.h>

using namespace Gui_server;
using Event = Input::Event;


/* The kernel's block of pointer and other buttons: BTN_MISC up to the first key after it */
static bool button(uint32_t code) { return code >= BTN_MISC && code < KEY_OK; }


void User_state::_deliver(View_owner *receiver, Event e)
{
	if (!receiver || !receiver->domain()) return;

	/* absolute positions in the receiver's own coordinate system */
	if (e.type == Event::ABS_MOTION || e.type == Event::TOUCH) {
		Point const origin = receiver->domain()->origin_on(_stack.screen(), _stack.pointer());
		e.x -= origin.x;
		e.y -= origin.y;
	}
	receiver->submit(e);
}


void User_state::focus(View_owner *session)
{
	if (session == _focus.session) return;

	View_owner *old = _focus.session;
	_focus.session = session;

	_deliver(old,     Event { Event::FOCUS_LEAVE, 0, 0, 0, 0 });
	_deliver(session, Event { Event::FOCUS_ENTER, 0, 0, 0, 0 });
	_action.focus_changed(old, session);
	_check_motion_target();
}


void User_state::_update_hover()
{
	View *v = _pointer_seen ? _stack.view_at(_stack.pointer()) : nullptr;
	View_owner *now = v ? &v->owner() : nullptr;
	if (now != _hovered) {
		_hovered = now;
		_action.hover_changed();
	}
	_check_motion_target();
}


/* The client that got motion until now learns when it no longer does */
void User_state::_check_motion_target()
{
	if (!_motion_target || _motion_target == _motion_receiver()) return;
	_deliver(_motion_target, Event { Event::HOVER_LEAVE, 0, 0, 0, 0 });
	_motion_target = nullptr;
}


void User_state::_motion(Point p)
{
	Area const screen = _stack.screen();
	if (screen.w == 0 || screen.h == 0) return;

	p = { std::clamp<int32_t>(p.x, 0, int32_t(screen.w) - 1),
	      std::clamp<int32_t>(p.y, 0, int32_t(screen.h) - 1) };

	_pointer_seen = true;
	_stack.pointer(p);
	_update_hover();

	if (View_owner *target = _motion_receiver()) {
		_deliver(target, Event { Event::ABS_MOTION, 0, p.x, p.y, 0 });
		_motion_target = target;
	}
}


View_owner *User_state::_motion_receiver() const
{
	if (_key_count && _grab) return _receiver;

	if (!_hovered || !_hovered->domain()) return nullptr;
	if (_focus.focused(*_hovered) || _hovered->domain()->hover == Domain::Hover::ALWAYS)
		return _hovered;
	return nullptr;
}


void User_state::_click_focus(View_owner *clicked)
{
	if (!clicked || !clicked->domain()) return;

	switch (clicked->domain()->focus) {
	case Domain::Focus::NONE:
		return;
	case Domain::Focus::CLICK:
		focus(clicked);
		return;
	case Domain::Focus::TRANSIENT:
		if (!_transient) { _transient = true; _restore = _focus.session; }
		focus(clicked);
		return;
	}
}


void User_state::_press(Event const &e)
{
	if (_pressed[e.code]) return;   /* a repeated press changes no sequence */
	_pressed[e.code] = true;

	if (_key_count++ == 0) {
		View_owner *global = _action.global_key_receiver(e.code);
		if (global) {
			_receiver = global;
			_grab     = true;
		} else if (button(e.code)) {
			_update_hover();
			_click_focus(_hovered);
			_receiver = _hovered;
			_grab     = true;

			/* a client clicked without having had the motion learns where */
			if (_receiver && _receiver != _motion_target && _pointer_seen) {
				Point const p = _stack.pointer();
				_deliver(_receiver, Event { Event::ABS_MOTION, 0, p.x, p.y, 0 });
				_motion_target = _receiver;
			}
		} else {
			_receiver = _focus.session;
			_grab     = false;
		}
	}
	_deliver(_receiver, e);
}


void User_state::_release(Event const &e)
{
	if (!_pressed[e.code]) return;   /* a release without a press belongs to nobody */
	_pressed[e.code] = false;

	_deliver(_receiver, e);

	if (--_key_count > 0) return;

	_receiver = nullptr;
	_grab     = false;
	if (_transient) {
		_transient = false;
		focus(_restore);
		_restore = nullptr;
	}
	_update_hover();
}


void User_state::_touch(Event const &e)
{
	if (e.type == Event::TOUCH) {
		if (_fingers.empty()) {
			View *v = _stack.view_at({ e.x, e.y });
			_touched = v ? &v->owner() : nullptr;
			_click_focus(_touched);
		}
		/* bounded: a driver with runaway finger ids cannot grow the set */
		if (_fingers.size() < 32 || _fingers.count(e.code)) _fingers.insert(e.code);
		_deliver(_touched, e);
		return;
	}

	if (!_fingers.erase(e.code)) return;
	_deliver(_touched, e);
	if (_fingers.empty()) _touched = nullptr;
}


void User_state::handle(Event const &e)
{
	switch (e.type) {
	case Event::ABS_MOTION: _motion({ e.x, e.y }); return;
	case Event::REL_MOTION: _motion(_stack.pointer() + Point { e.x, e.y }); return;

	case Event::PRESS:
	case Event::RELEASE:
		if (e.code >= KEY_COUNT) return;
		if (e.type == Event::PRESS) _press(e); else _release(e);
		return;

	case Event::WHEEL:
		_deliver(_motion_receiver(), e);
		return;

	case Event::TOUCH:
	case Event::TOUCH_RELEASE:
		_touch(e);
		return;

	/* the display's own focus and hover are no client's business */
	case Event::INVALID:
	case Event::FOCUS_ENTER:
	case Event::FOCUS_LEAVE:
	case Event::HOVER_LEAVE:
		return;
	}
}


void User_state::forget(View_owner &s)
{
	if (_focus.session == &s) { _focus.session = nullptr; _action.focus_changed(&s, nullptr); }
	if (_hovered  == &s) { _hovered = nullptr; _action.hover_changed(); }
	if (_receiver == &s) _receiver = nullptr;
	if (_restore  == &s) _restore  = nullptr;
	if (_touched  == &s) _touched  = nullptr;
	if (_motion_target == &s) _motion_target = nullptr;
}
