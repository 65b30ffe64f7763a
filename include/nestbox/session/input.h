/*
 * Input session: events from keyboards, pointers and touch screens
 *
 * Events are passed in a dataspace shared by server and client: 'flush'
 * copies the pending events into it and returns how many there are; the
 * server signals when events become pending. Key codes are Linux evdev codes
 * (linux/input-event-codes.h), so keyboard layouts stay the client's
 * business; a press may carry the Unicode character the server knows for it.
 */
#pragma once

#include <nestbox/base/rpc.h>

namespace nestbox::Input {

struct Event
{
	enum Type : uint32_t {
		INVALID, PRESS, RELEASE, REL_MOTION, ABS_MOTION, WHEEL,
		FOCUS_ENTER, FOCUS_LEAVE, TOUCH, TOUCH_RELEASE, HOVER_LEAVE
	};

	Type     type;
	uint32_t code;      /* PRESS, RELEASE: evdev key code (BTN_LEFT = 0x110 …); TOUCH: the finger */
	int32_t  x, y;      /* motion, wheel (x: horizontal, y: vertical steps), touch */
	uint32_t unicode;   /* PRESS: the character, or 0 */

	bool press()   const { return type == PRESS; }
	bool release() const { return type == RELEASE; }
};

enum : size_t { EVENT_BUFFER_SIZE = 4096, MAX_EVENTS = EVENT_BUFFER_SIZE / sizeof(Event) };

struct Session
{
	static constexpr char const *service_name() { return "Input"; }

	virtual ~Session() = default;

	/* The buffer 'flush' fills (EVENT_BUFFER_SIZE bytes) */
	virtual Result<Dataspace_capability> dataspace() = 0;

	virtual bool     pending() = 0;

	/* Copy pending events into the buffer (at most MAX_EVENTS); returns their number */
	virtual uint32_t flush() = 0;

	virtual void     sigh(Signal_context_capability) = 0;

	using Rpc_functions = Rpc_list<&Session::dataspace, &Session::pending, &Session::flush, &Session::sigh>;
};

struct Client : Rpc_client<Session>
{
	using Rpc_client::Rpc_client;

	Result<Dataspace_capability> dataspace()                      { return call<&Session::dataspace>(); }
	Result<bool>                 pending()                        { return call<&Session::pending>(); }
	Result<uint32_t>             flush()                          { return call<&Session::flush>(); }
	Result<void>                 sigh(Signal_context_capability s) { return call<&Session::sigh>(std::move(s)); }
};

} /* namespace nestbox::Input */
