/*
 * VNC authentication (RFC 6143 §7.2.2): DES of a random challenge
 *
 * The password's first eight bytes, each with its bits mirrored (a quirk
 * of the original implementation that every client reproduces), are the
 * DES key; the client proves it knows the password by encrypting the
 * server's 16-byte challenge as two ECB blocks. This is weak cryptography
 * by today's standards: use it on loopback or inside an encrypted tunnel.
 */
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace Vnc {

	using Challenge = std::array<uint8_t, 16>;

	Challenge random_challenge();

	/* What a client knowing 'password' answers to 'challenge' */
	Challenge expected_response(std::string_view password, Challenge const &challenge);

	/* Compare in constant time */
	bool response_matches(Challenge const &expected, uint8_t const *response);
}
