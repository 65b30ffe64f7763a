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
 * Extended Clipboard messages go on to the clipboard codec (clipboard.h):
 * a 'provide' is inflated, within MAX_CUT_TEXT whatever it claims, and
 * the text converted as the session does.
 * WebSocket framing and the HTTP request have targets of their own
 * (vnc_websocket_fuzz.cc, vnc_http_fuzz.cc).
 */

#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include <client_messages.h>
#include <clipboard.h>

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
		if (auto *m = std::get_if<Cut_text>(&r.message)) {
			if (m->latin1.size() > MAX_CUT_TEXT) std::abort();
			if (Cut_text_codec::latin1_from_utf8(Cut_text_codec::utf8_from_latin1(m->latin1)) != m->latin1) std::abort();
		}
		if (auto *m = std::get_if<Extended_clipboard>(&r.message)) {
			if (m->data.size() > MAX_CUT_TEXT) std::abort();
			Cut_text_codec::Provided const p = Cut_text_codec::parse_provide(m->flags, m->data);
			if (p.ok && p.text.size() > MAX_CUT_TEXT) std::abort();
			if (!p.ok && p.error.empty()) std::abort();
			(void)Cut_text_codec::server_cut_text(p.text);
			(void)Cut_text_codec::provide(p.text);
		}

		rest = rest.subspan(r.consumed);
		rest = rest.subspan(size_t(std::min<uint64_t>(r.skip, rest.size())));
	}
	return 0;
}
