/*
 * Fuzz target: the vnc server's parser of the messages a viewer sends
 * after the handshake
 *
 * The input is a stream a hostile viewer could send: every message type
 * (pixel format, encodings, update requests, keys, pointer, cut text and
 * extended clipboard, continuous updates, fences, desktop size, QEMU keys)
 * and garbage. The parser must consume it message by message, each message
 * within the bytes it was given, until it needs more or reports an error
 * with a reason; it must never read beyond the input (ASan), make progress
 * of zero bytes, or hand up a message larger than its documented limits.
 * WebSocket framing and the HTTP request have targets of their own
 * (vnc_websocket_fuzz.cc, vnc_http_fuzz.cc).
 */

#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include <client_messages.h>

using namespace Vnc;

extern "C" int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	std::span<uint8_t const> rest(data, size);
	while (!rest.empty()) {
		Parse_result const r = parse_client_message(rest);
		if (r.status == Parse_result::Status::NEED_MORE) break;
		if (r.status == Parse_result::Status::ERROR) {
			if (r.error.empty()) std::abort();
			break;
		}
		if (r.consumed == 0 || r.consumed > rest.size()) std::abort();

		/* what the parser hands up stays within the limits the server relies on */
		if (auto *m = std::get_if<Set_encodings>(&r.message); m && m->encodings.size() > MAX_ENCODINGS) std::abort();
		if (auto *m = std::get_if<Client_fence>(&r.message); m && m->payload.size() > MAX_FENCE_PAYLOAD) std::abort();
		if (auto *m = std::get_if<Set_desktop_size>(&r.message); m && m->screens.size() > MAX_SCREENS) std::abort();
		if (r.skip > (uint64_t(1) << 31)) std::abort();

		rest = rest.subspan(r.consumed);
		rest = rest.subspan(size_t(std::min<uint64_t>(r.skip, rest.size())));
	}
	return 0;
}
