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

#include <algorithm>
#include <list>
#include <map>
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
		uint64_t http_detect_ms       = 150;     /* a silent connection is an RFB client after this */
		uint64_t browser_detect_ms    = 3000;    /* ... from an address that made an HTTP request lately */
	};

	/*
	 * Which addresses made an HTTP request lately. A browser opens
	 * connections before it needs them (Chromium pre-connects) and may send
	 * its request on one seconds later; greeted as an RFB client after the
	 * short window, such a connection would answer the browser's request with
	 * our greeting and the page would fail to load. So a silent connection
	 * from an address that loaded the page in the last 30 s waits
	 * 'browser_detect_ms' before it is taken for a viewer. Bounded: at most
	 * 64 addresses, the one seen longest ago goes first.
	 */
	class Recent_browsers
	{
		private:

			std::map<std::string, uint64_t> _seen { };   /* address -> last HTTP request */

		public:

			static constexpr size_t   MAX_ADDRESSES = 64;
			static constexpr uint64_t MEMORY_MS     = 30000;

			void seen(std::string const &address, uint64_t now_ms)
			{
				_seen[address] = now_ms;
				std::erase_if(_seen, [&] (auto const &e) { return now_ms - e.second > MEMORY_MS; });
				while (_seen.size() > MAX_ADDRESSES)
					_seen.erase(std::min_element(_seen.begin(), _seen.end(),
					            [] (auto const &a, auto const &b) { return a.second < b.second; }));
			}

			bool recent(std::string const &address, uint64_t now_ms) const
			{
				auto const it = _seen.find(address);
				return it != _seen.end() && now_ms - it->second <= MEMORY_MS;
			}

			/* How long a silent connection from 'address' may stay undecided */
			uint64_t detect_window_ms(std::string const &address, uint64_t now_ms,
			                          Admission_limits const &limits) const
			{
				return recent(address, now_ms) ? limits.browser_detect_ms : limits.http_detect_ms;
			}
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
