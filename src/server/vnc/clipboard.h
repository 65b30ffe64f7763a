/*
 * RFB's clipboard messages: plain cut text (Latin-1) and the Extended
 * Clipboard pseudo-encoding (UTF-8; caps, request, peek, notify, provide)
 *
 * Pure functions, no state: the session (session.h) decides what to send
 * when; this says how the bytes look. Text is UTF-8 with '\n' line ends
 * everywhere inside the server; the conversions to what each message
 * carries (Latin-1, or UTF-8 with "\r\n" and a terminating NUL) happen
 * here. Everything a viewer sends is bounded: MAX_CUT_TEXT for a plain
 * text and for an extended message, and the same for what a compressed
 * 'provide' inflates to (no zlib bomb). The parsing is the target of
 * the fuzzer tests/fuzz/vnc_client_fuzz.cc.
 *
 * The Extended Clipboard is described at
 * github.com/rfbproto/rfbproto ("Extended Clipboard Pseudo-Encoding").
 */
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "client_messages.h"   /* MAX_CUT_TEXT */

namespace Vnc::Cut_text_codec {

	/* Flags of an extended clipboard message: formats in the low bits, one action in the top */
	enum : uint32_t {
		FORMAT_TEXT = 1u << 0,
		FORMATS     = 0xffffu,
		CAPS        = 1u << 24,
		REQUEST     = 1u << 25,
		PEEK        = 1u << 26,
		NOTIFY      = 1u << 27,
		PROVIDE     = 1u << 28,
	};

	std::string utf8_from_latin1(std::string_view latin1);

	/* Characters beyond Latin-1, and bytes that are no UTF-8, become '?' */
	std::string latin1_from_utf8(std::string_view utf8);

	/* Text of a 'provide', or why there is none */
	struct Provided
	{
		bool        ok = false;
		bool        has_text = false;   /* the provide carried the text format */
		std::string text { };          /* UTF-8, '\n' line ends */
		std::string error { };
	};

	/* The text of a 'provide' of 'flags' whose zlib data (after the flags) is 'data' */
	Provided parse_provide(uint32_t flags, std::span<uint8_t const> data);

	/*
	 * The clipboard ROM and report hold `<clipboard>TEXT</clipboard>`, the
	 * text XML-escaped, as Genode's clipboard clients write it
	 */
	std::string clipboard_xml(std::string_view utf8);

	/* The text of such a ROM, at most MAX_CUT_TEXT bytes (cut at a character); empty if none */
	std::string text_of_clipboard_xml(std::string_view xml);

	/* Whole server messages (ServerCutText, type 3) */
	std::vector<uint8_t> server_cut_text(std::string_view utf8);            /* plain, Latin-1 */
	std::vector<uint8_t> extended(uint32_t flags, std::span<uint8_t const> data = { });
	std::vector<uint8_t> caps();                                          /* what we offer */
	std::vector<uint8_t> provide(std::string_view utf8);                  /* the text, compressed */
}
