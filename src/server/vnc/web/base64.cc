/*
 * Base64 (RFC 4648)
 */

#include "base64.h"

#include <algorithm>

using namespace Vnc::Web;

namespace {

	constexpr char ALPHABET[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	int value_of(char c)
	{
		if (c >= 'A' && c <= 'Z') return c - 'A';
		if (c >= 'a' && c <= 'z') return c - 'a' + 26;
		if (c >= '0' && c <= '9') return c - '0' + 52;
		if (c == '+') return 62;
		if (c == '/') return 63;
		return -1;
	}
}


std::string Vnc::Web::base64_encode(std::span<uint8_t const> data)
{
	std::string text;
	text.reserve((data.size() + 2) / 3 * 4);

	for (size_t i = 0; i < data.size(); i += 3) {
		size_t   const n = std::min<size_t>(3, data.size() - i);
		uint32_t const v = uint32_t(data[i]) << 16
		                 | (n > 1 ? uint32_t(data[i + 1]) << 8 : 0)
		                 | (n > 2 ? uint32_t(data[i + 2])      : 0);
		text += ALPHABET[v >> 18 & 63];
		text += ALPHABET[v >> 12 & 63];
		text += n > 1 ? ALPHABET[v >> 6 & 63] : '=';
		text += n > 2 ? ALPHABET[v      & 63] : '=';
	}
	return text;
}


std::optional<std::vector<uint8_t>> Vnc::Web::base64_decode(std::string_view text)
{
	if (text.size() % 4) return std::nullopt;

	std::vector<uint8_t> data;
	data.reserve(text.size() / 4 * 3);

	for (size_t i = 0; i < text.size(); i += 4) {
		bool const last = (i + 4 == text.size());

		/* padding only at the end: "xx==" or "xxx=" */
		unsigned pad = 0;
		if (last && text[i + 3] == '=') pad = (text[i + 2] == '=') ? 2 : 1;

		uint32_t v = 0;
		for (unsigned j = 0; j < 4; j++) {
			int const d = (j >= 4 - pad) ? 0 : value_of(text[i + j]);
			if (d < 0) return std::nullopt;
			v = v << 6 | uint32_t(d);
		}

		/* the bits a padded group leaves over must be zero (canonical form) */
		if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))
			return std::nullopt;

		data.push_back(uint8_t(v >> 16));
		if (pad < 2) data.push_back(uint8_t(v >> 8));
		if (pad < 1) data.push_back(uint8_t(v));
	}
	return data;
}
