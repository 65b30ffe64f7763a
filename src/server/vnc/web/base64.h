/*
 * Base64 (RFC 4648, standard alphabet, padded) for the WebSocket handshake,
 * from nettle
 */
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace Vnc::Web {

	std::string base64_encode(std::span<uint8_t const> data);

	/* nullopt for anything but canonical padded base64 */
	std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);
}
