/*
 * Addresses that failed VNC authentication too often, refused for a while
 *
 * VNC authentication's password is short (8 characters count) and the
 * protocol lets a client try as often as it connects. After five failures
 * in a row from one address, that address is refused for 10 seconds, and
 * for twice as long after each further round of failures (at most 10
 * minutes), as TigerVNC does. A success forgets the address.
 */
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>

namespace Vnc { class Auth_blacklist; }


class Vnc::Auth_blacklist
{
	public:

		enum : unsigned { THRESHOLD = 5 };
		enum : uint64_t { FIRST_BLOCK_MS = 10'000, MAX_BLOCK_MS = 600'000 };
		enum : size_t   { MAX_ADDRESSES = 1024 };

	private:

		struct Record { unsigned failures = 0; uint64_t block_ms = 0, blocked_until_ms = 0; };

		std::map<std::string, Record> _records { };

	public:

		bool blocked(std::string const &address, uint64_t now_ms) const
		{
			auto const it = _records.find(address);
			return it != _records.end() && now_ms < it->second.blocked_until_ms;
		}

		/* Returns the time the address is blocked for now, 0 if it is not */
		uint64_t failed(std::string const &address, uint64_t now_ms)
		{
			/* forget addresses no longer blocked when too many are remembered */
			if (_records.size() >= MAX_ADDRESSES && !_records.count(address))
				std::erase_if(_records, [&] (auto const &r) { return r.second.blocked_until_ms <= now_ms; });
			if (_records.size() >= MAX_ADDRESSES && !_records.count(address)) return 0;

			Record &r = _records[address];
			if (++r.failures < THRESHOLD) return 0;
			r.failures         = 0;
			r.block_ms         = r.block_ms ? std::min<uint64_t>(r.block_ms * 2, MAX_BLOCK_MS) : FIRST_BLOCK_MS;
			r.blocked_until_ms = now_ms + r.block_ms;
			return r.block_ms;
		}

		void succeeded(std::string const &address) { _records.erase(address); }
};
