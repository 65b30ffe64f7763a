/*
 * SHA-1 (FIPS 180-4)
 */

#include "sha1.h"

#include <algorithm>
#include <bit>
#include <cstring>

using namespace Vnc::Web;


void Sha1::_compress(uint8_t const *block)
{
	uint32_t w[80];
	for (unsigned i = 0; i < 16; i++)
		w[i] = uint32_t(block[4*i]) << 24 | uint32_t(block[4*i + 1]) << 16
		     | uint32_t(block[4*i + 2]) << 8 | uint32_t(block[4*i + 3]);
	for (unsigned i = 16; i < 80; i++)
		w[i] = std::rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);

	uint32_t a = _h[0], b = _h[1], c = _h[2], d = _h[3], e = _h[4];
	for (unsigned i = 0; i < 80; i++) {
		uint32_t f, k;
		if      (i < 20) { f = (b & c) | (~b & d);          k = 0x5a827999; }
		else if (i < 40) { f = b ^ c ^ d;                   k = 0x6ed9eba1; }
		else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
		else             { f = b ^ c ^ d;                   k = 0xca62c1d6; }

		uint32_t const t = std::rotl(a, 5) + f + e + k + w[i];
		e = d; d = c; c = std::rotl(b, 30); b = a; a = t;
	}
	_h[0] += a; _h[1] += b; _h[2] += c; _h[3] += d; _h[4] += e;
}


void Sha1::update(std::span<uint8_t const> data)
{
	_total += data.size();
	while (!data.empty()) {
		size_t const n = std::min(data.size(), sizeof(_block) - _used);
		std::memcpy(_block + _used, data.data(), n);
		_used += n;
		data   = data.subspan(n);
		if (_used == sizeof(_block)) {
			_compress(_block);
			_used = 0;
		}
	}
}


Sha1::Digest Sha1::finish()
{
	uint64_t const bits = _total * 8;

	/* a 1 bit, zeros up to 56 mod 64 bytes, the message length in bits */
	uint8_t const one = 0x80, zero = 0;
	update({ &one, 1 });
	while (_used != 56)
		update({ &zero, 1 });
	uint8_t length[8];
	for (unsigned i = 0; i < 8; i++)
		length[i] = uint8_t(bits >> (56 - 8*i));
	update(length);

	Digest digest;
	for (unsigned i = 0; i < 20; i++)
		digest[i] = uint8_t(_h[i / 4] >> (24 - 8*(i % 4)));
	return digest;
}
