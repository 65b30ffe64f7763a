/*
 * Trace hooks of the base mechanisms
 *
 * Every RPC call, dispatch, reply and return and every signal submit and
 * receive passes through one of these hooks with its 64-bit call id. While
 * tracing is off, a hook costs one predictable branch. The TRACE service
 * (a later issue) installs a sink through 'trace::enable'.
 */
#pragma once

#include <cstdint>

namespace nestbox::trace {

enum class Event : uint8_t { RPC_CALL, RPC_DISPATCH, RPC_REPLY, RPC_RETURN, SIGNAL_SUBMIT, SIGNAL_RECEIVE };

using Sink = void (*)(Event, uint64_t id, uint32_t detail);

/* the installed sink of this process: nullptr while tracing is off */
inline Sink &sink() { static Sink s = nullptr; return s; }

inline void enable(Sink s) { sink() = s; }
inline void disable()      { sink() = nullptr; }

inline void emit(Event e, uint64_t id, uint32_t detail)
{
	if (Sink s = sink(); __builtin_expect(s != nullptr, 0)) s(e, id, detail);
}

inline void rpc_call    (uint64_t id, uint32_t op) { emit(Event::RPC_CALL,     id, op); }
inline void rpc_dispatch(uint64_t id, uint32_t op) { emit(Event::RPC_DISPATCH, id, op); }
inline void rpc_reply   (uint64_t id, uint32_t op) { emit(Event::RPC_REPLY,    id, op); }
inline void rpc_return  (uint64_t id, uint32_t op) { emit(Event::RPC_RETURN,   id, op); }
inline void signal_submit (uint64_t id) { emit(Event::SIGNAL_SUBMIT,  id, 0); }
inline void signal_receive(uint64_t id, uint32_t count) { emit(Event::SIGNAL_RECEIVE, id, count); }

} /* namespace nestbox::trace */
