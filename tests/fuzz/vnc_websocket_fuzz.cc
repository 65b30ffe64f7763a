/*
 * Fuzz target: the vnc server's WebSocket framing (RFC 6455), server side
 *
 * The input is what a browser, or anything claiming to be one, sends after
 * the upgrade. It is fed to the decoder in pieces of varying size, as the
 * network delivers it. The decoder must never pass on more payload than
 * came, never answer with more than a bounded reply per byte received (a
 * pong echoes at most 125 bytes of a ping that was larger, a close is 4
 * bytes), and once it reported the end, stay there and say nothing more.
 */

#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include <web/web.h>

using Vnc::Web::Websocket;

extern "C" int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	if (size == 0) return 0;

	/* the first byte chooses the piece sizes, the rest are the frames */
	size_t step = size_t(data[0] % 17) + 1;
	data++; size--;

	Websocket ws;
	std::vector<uint8_t> payload, replies;
	Websocket::Status status = Websocket::Status::OK;
	size_t at = 0;
	while (at < size) {
		size_t const n = std::min(step, size - at);
		size_t const replied = replies.size();
		status = ws.decode({ data + at, n }, payload, replies);
		at += n;
		step = step * 3 % 17 + 1;
		if (payload.size() > at) std::abort();
		/* a reply: a pong no larger than its ping, or one close frame */
		if (replies.size() > at + 4) std::abort();
		if (status != Websocket::Status::OK) {
			if (replies.size() == replied && status == Websocket::Status::PROTOCOL_ERROR) std::abort();
			break;
		}
	}
	if (status != Websocket::Status::OK) {
		size_t const had = replies.size(), got = payload.size();
		uint8_t const more[] = { 0x82, 0x81, 1, 2, 3, 4, 5 };
		if (ws.decode(more, payload, replies) != status) std::abort();
		if (replies.size() != had || payload.size() != got) std::abort();
	}
	return 0;
}
