/*
 * SHA-1 for the WebSocket handshake, from nettle
 *
 * RFC 6455 derives Sec-WebSocket-Accept from the client's key with SHA-1.
 * The hash serves no security purpose there; nettle (linked for VNC
 * authentication's DES already) computes it.
 */
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <nettle/sha1.h>

namespace Vnc::Web {

	class Sha1
	{
		public:

			using Digest = std::array<uint8_t, SHA1_DIGEST_SIZE>;

			Sha1() { sha1_init(&_ctx); }

			void update(std::span<uint8_t const> data) { sha1_update(&_ctx, data.size(), data.data()); }

			Digest finish()
			{
				Digest d { };
				sha1_digest(&_ctx, d.size(), d.data());   /* also starts over */
				return d;
			}

			static Digest of(std::span<uint8_t const> data)
			{
				Sha1 sha1;
				sha1.update(data);
				return sha1.finish();
			}

		private:

			sha1_ctx _ctx { };
	};
}
