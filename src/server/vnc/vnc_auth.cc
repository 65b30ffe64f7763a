/*
 * VNC authentication: DES of a random challenge (nettle's DES)
 */

#include <cstring>
#include <sys/random.h>

#include <nettle/des.h>

#include "vnc_auth.h"

using namespace Vnc;


Challenge Vnc::random_challenge()
{
	Challenge c { };
	size_t got = 0;
	while (got < c.size()) {
		ssize_t const n = ::getrandom(c.data() + got, c.size() - got, 0);
		if (n > 0) got += size_t(n);
	}
	return c;
}


Challenge Vnc::expected_response(std::string_view password, Challenge const &challenge)
{
	uint8_t key[8] { };
	for (size_t i = 0; i < 8 && i < password.size(); i++) {
		uint8_t b = uint8_t(password[i]), mirrored = 0;
		for (int bit = 0; bit < 8; bit++) if (b & (1u << bit)) mirrored |= uint8_t(0x80u >> bit);
		key[i] = mirrored;
	}

	/* parity bits are ignored by VNC: nettle's return value only reports weak keys */
	des_ctx ctx;
	des_fix_parity(8, key, key);
	(void)des_set_key(&ctx, key);

	Challenge response { };
	des_encrypt(&ctx, response.size(), response.data(), challenge.data());
	std::memset(key, 0, sizeof(key));
	return response;
}


bool Vnc::response_matches(Challenge const &expected, uint8_t const *response)
{
	uint8_t diff = 0;
	for (size_t i = 0; i < expected.size(); i++) diff |= uint8_t(expected[i] ^ response[i]);
	return diff == 0;
}
