/*
 * Parser of the messages an RFB client sends after the handshake
 *
 * The parser is pure: it looks at the bytes received so far and says
 * whether they start with a complete message, which one, and how many bytes
 * it took. Everything a client sends is hostile until checked: lengths are
 * bounded, unknown message types end the connection with a reason. It is
 * the target of the fuzzer tests/fuzz/vnc_client_fuzz.cc.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "rfb.h"

namespace Vnc {

	struct Set_pixel_format       { Pixel_format format; };
	struct Set_encodings          { std::vector<int32_t> encodings; };
	struct Update_request         { bool incremental; uint16_t x, y, w, h; };
	struct Key_event              { bool down; uint32_t keysym; };
	struct Pointer_event          { uint8_t buttons; uint16_t x, y; };
	/* ClientCutText: Latin-1 text, or one too long, whose 'dropped' bytes are skipped unread */
	struct Cut_text               { std::string latin1; uint64_t dropped = 0; };

	/* ClientCutText with a negative length: an Extended Clipboard message (clipboard.h) */
	struct Extended_clipboard     { uint32_t flags; std::vector<uint8_t> data; };
	struct Enable_continuous      { bool enable; uint16_t x, y, w, h; };
	struct Client_fence           { uint32_t flags; std::vector<uint8_t> payload; };
	struct Screen_layout          { uint32_t id; uint16_t x, y, w, h; uint32_t flags; };
	struct Set_desktop_size       { uint16_t w, h; std::vector<Screen_layout> screens; };
	struct Qemu_key_event         { bool down; uint32_t keysym; uint32_t keycode; };

	using Client_message = std::variant<Set_pixel_format, Set_encodings, Update_request, Key_event,
	                                    Pointer_event, Cut_text, Extended_clipboard, Enable_continuous,
	                                    Client_fence, Set_desktop_size, Qemu_key_event>;

	struct Parse_result
	{
		enum class Status { MESSAGE, NEED_MORE, ERROR } status;

		Client_message message   { };
		size_t         consumed  = 0;     /* bytes of the message */
		uint64_t       skip      = 0;     /* bytes after it to drop unread (cut text over MAX_CUT_TEXT) */
		std::string    error     { };     /* why the client is disconnected */
	};

	/* Limits that keep a client from making us buffer without bound */
	enum : size_t {
		MAX_ENCODINGS     = 1024,
		MAX_SCREENS       = 16,
		MAX_FENCE_PAYLOAD = 64,
		MAX_CUT_TEXT      = 256 * 1024,   /* TigerVNC's MaxCutText default: longer text is dropped */
	};

	Parse_result parse_client_message(std::span<uint8_t const> bytes);

	/* Server-to-client message types */
	enum : uint8_t {
		FRAMEBUFFER_UPDATE        = 0,
		END_OF_CONTINUOUS_UPDATES = 150,
		SERVER_FENCE              = 248,
	};

	/* Fence flags (rfbproto §7.7.3) */
	enum : uint32_t {
		FENCE_BLOCK_BEFORE = 1u << 0,
		FENCE_BLOCK_AFTER  = 1u << 1,
		FENCE_SYNC_NEXT    = 1u << 2,
		FENCE_REQUEST      = 1u << 31,
		FENCE_SUPPORTED    = FENCE_BLOCK_BEFORE | FENCE_BLOCK_AFTER | FENCE_SYNC_NEXT | FENCE_REQUEST,
	};
}
