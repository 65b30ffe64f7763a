/*
 * Fuzz target: the vnc server's first look at a connection and its HTTP
 * request (the page, noVNC's files, the WebSocket upgrade)
 *
 * The input is what a client sends first, handed over as the connection
 * does: growing prefixes until the detection and the HTTP layer decide.
 * 'handle' must never claim more bytes than it was given, answer every
 * request it decides on, and never wait for more than MAX_REQUEST_SIZE
 * bytes of header.
 */

#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include <web/web.h>

using namespace Vnc::Web;

extern "C" int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	if (size == 0) return 0;
	size_t const step = size_t(data[0]) * 7 + 1;
	data++; size--;

	bool http = false;
	for (size_t got = std::min(step, size); ; got = std::min(got + step, size)) {
		std::span<uint8_t const> const buffered(data, got);
		if (!http) {
			Guess const g = guess(buffered);
			if (g == Guess::NOT_HTTP) break;
			if (g == Guess::NEED_MORE) { if (got == size) break; continue; }
			http = true;
		}
		Http_result const r = handle(buffered);
		if (r.consumed > got) std::abort();
		if (r.kind == Http_result::Kind::NEED_MORE) {
			if (got >= MAX_REQUEST_SIZE) std::abort();
			if (got == size) break;
			continue;
		}
		if (r.response.empty() || r.consumed == 0) std::abort();
		break;
	}
	return 0;
}
