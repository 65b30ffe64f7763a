/*
 * Base64 (RFC 4648) with nettle's coder
 */

#include "base64.h"

#include <nettle/base64.h>

using namespace Vnc::Web;


std::string Vnc::Web::base64_encode(std::span<uint8_t const> data)
{
	std::string text(BASE64_ENCODE_RAW_LENGTH(data.size()), '\0');
	base64_encode_raw(text.data(), data.size(), data.data());
	return text;
}


std::optional<std::vector<uint8_t>> Vnc::Web::base64_decode(std::string_view text)
{
	/*
	 * nettle's decoder is lenient (it skips white space and accepts
	 * nonzero bits in a padded group's last character). The canonical
	 * form is the one that encodes back to the same text, so that is
	 * what a key must be.
	 */
	if (text.size() % 4) return std::nullopt;

	std::vector<uint8_t> data(BASE64_DECODE_LENGTH(text.size()));
	base64_decode_ctx ctx;
	base64_decode_init(&ctx);
	size_t length = data.size();
	if (!base64_decode_update(&ctx, &length, data.data(), text.size(), text.data())
	 || !base64_decode_final(&ctx))
		return std::nullopt;
	data.resize(length);

	if (base64_encode(data) != text) return std::nullopt;
	return data;
}
