/*
 * Fuzz target: the vnc server's parser of client messages, and the
 * WebSocket and HTTP layer in front of it
 *
 * The input is a stream a hostile client could send after the handshake.
 * The parser must consume it message by message, each message within the
 * bytes it was given, until it needs more or reports an error with a
 * reason; it must never read beyond the input (ASan) or make progress of
 * zero bytes. The same bytes are then fed to the WebSocket decoder in
 * pieces and to the HTTP handler.
 */

#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include <client_messages.h>
#include <web/web.h>

extern "C" int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	std::span<uint8_t const> rest(data, size);
	while (!rest.empty()) {
		Vnc::Parse_result const r = Vnc::parse_client_message(rest);
		if (r.status == Vnc::Parse_result::Status::NEED_MORE) break;
		if (r.status == Vnc::Parse_result::Status::ERROR) {
			if (r.error.empty()) std::abort();
			break;
		}
		if (r.consumed == 0 || r.consumed > rest.size()) std::abort();
		rest = rest.subspan(r.consumed);
		rest = rest.subspan(size_t(std::min<uint64_t>(r.skip, rest.size())));
	}

	/* the same bytes as WebSocket frames, arriving in pieces of varying size */
	Vnc::Web::Websocket ws;
	std::vector<uint8_t> payload, replies;
	size_t at = 0, step = 1;
	while (at < size) {
		size_t const n = std::min(step, size - at);
		if (ws.decode({ data + at, n }, payload, replies) != Vnc::Web::Websocket::Status::OK) break;
		at += n;
		step = step * 3 % 17 + 1;
	}

	(void)Vnc::Web::guess({ data, size });
	Vnc::Web::Http_result const http = Vnc::Web::handle({ data, size });
	if (http.consumed > size) std::abort();
	return 0;
}
