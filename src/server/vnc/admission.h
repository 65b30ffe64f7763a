/*
 * Who gets in: limits on connections that have not finished the handshake
 *
 * A connection costs the server a slot, a descriptor and memory from the
 * moment it is accepted, before it has said anything. Without limits, a
 * handful of connections that never send the handshake lock out every
 * viewer. So a connection has 'handshake_ms' to become a viewer (to pass
 * the version, security and authentication steps, or to have its HTTP
 * request answered), and the connections still in their handshake are
 * limited per source address and in total. When a new connection would
 * exceed a limit, the oldest connection still in its handshake that the
 * limit concerns is dropped, so that a real viewer always gets in; only
 * when all 'max_clients' slots hold viewers is a new connection refused.
 */
#pragma once

#include <list>
#include <string>

#include <nestbox/util/rate_limited_warning.h>

#include "session.h"

namespace Vnc {

	struct Admission_limits
	{
		unsigned max_clients          = 16;      /* connections, viewers included */
		unsigned max_handshaking      = 12;      /* connections still in their handshake */
		unsigned max_handshaking_per_address = 8;   /* a browser opens six at once */
		uint64_t handshake_ms         = 10000;   /* to finish the handshake */
	};

	/*
	 * Make room among 'sessions' (oldest first) for a connection from
	 * 'address': close the oldest connections still in their handshake as
	 * the limits require. False if the connection must be refused (all
	 * slots hold viewers). Each drop is logged, rate-limited by 'warning'.
	 */
	inline bool make_room(std::list<Session> &sessions, std::string const &address,
	                      Admission_limits const &limits, nestbox::Rate_limited_warning &warning)
	{
		auto count = [&] (auto const &which) {
			unsigned n = 0;
			for (Session const &s : sessions) if (!s.closed() && which(s)) n++;
			return n;
		};
		auto handshaking = [] (Session const &s) { return !s.authenticated(); };
		auto from_address = [&] (Session const &s) { return !s.authenticated() && s.address() == address; };

		/* drops the oldest that 'which' selects, an idle one first; false if there is none */
		auto drop_oldest = [&] (auto const &which, char const *limit, unsigned value) {
			for (bool const idle_only : { true, false })
				for (Session &s : sessions) {
					if (s.closed() || !which(s) || (idle_only && !s.idle_in_handshake())) continue;
					warning("dropped ", s.peer(), ", still in its handshake, for a new connection from ",
					        address, ": ", limit, " (", value, ") reached");
					s.close("dropped for a new connection: " + std::string(limit) + " reached");
					return true;
				}
			return false;
		};

		while (count(from_address) >= limits.max_handshaking_per_address)
			if (!drop_oldest(from_address, "handshakes per address", limits.max_handshaking_per_address)) break;

		while (count(handshaking) >= limits.max_handshaking)
			if (!drop_oldest(handshaking, "handshakes in total", limits.max_handshaking)) break;

		while (count([] (Session const &) { return true; }) >= limits.max_clients)
			if (!drop_oldest(handshaking, "max_clients", limits.max_clients)) return false;

		return true;
	}

	/* Close the connections whose handshake took longer than the limit; returns the next deadline, if any */
	inline std::optional<uint64_t> enforce_handshake_deadline(std::list<Session> &sessions, uint64_t now_ms,
	                                                          Admission_limits const &limits)
	{
		std::optional<uint64_t> next;
		for (Session &s : sessions) {
			if (s.closed() || s.authenticated()) continue;
			uint64_t const deadline = s.accepted_ms() + limits.handshake_ms;
			if (now_ms >= deadline) {
				s.close("no handshake within " + std::to_string(limits.handshake_ms / 1000) + " s");
				continue;
			}
			next = std::min(next.value_or(UINT64_MAX), deadline);
		}
		return next;
	}
}
