/*
 * SHA-1 (FIPS 180-4), for the WebSocket handshake only
 *
 * RFC 6455 derives Sec-WebSocket-Accept from the client's key with SHA-1.
 * The hash serves no security purpose there, and a sealed component links
 * no crypto library for it.
 */
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace Vnc::Web {

	class Sha1
	{
		public:

			using Digest = std::array<uint8_t, 20>;

			void   update(std::span<uint8_t const> data);
			Digest finish();

			static Digest of(std::span<uint8_t const> data)
			{
				Sha1 sha1;
				sha1.update(data);
				return sha1.finish();
			}

		private:

			uint32_t _h[5] { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
			uint8_t  _block[64] { };
			size_t   _used  = 0;   /* bytes in '_block' */
			uint64_t _total = 0;   /* bytes hashed, for the length padding */

			void _compress(uint8_t const *block);
	};
}
