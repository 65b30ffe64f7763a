/*
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624)
 *
 * A router that rewrites an address or a port (NAT) adjusts the checksums
 * by the difference instead of summing the whole packet again; the update
 * follows RFC 1624's equation 3, HC' = ~(~HC + ~m + m'), which gives what a
 * recomputation gives, where RFC 1141's form could give 0xffff for 0x0000.
 */
#pragma once

#include <cstdint>
#include <span>

#include <nestbox/net/types.h>

namespace nestbox::Net {

	/* one's-complement sum of 'data' added to 'sum' (not folded, not inverted) */
	uint32_t checksum_add(uint32_t sum, std::span<uint8_t const> data);

	/* fold a 32-bit sum to 16 bits and invert it: the value put into a header */
	uint16_t checksum_finish(uint32_t sum);

	/* the Internet checksum of 'data' */
	inline uint16_t internet_checksum(std::span<uint8_t const> data) {
		return checksum_finish(checksum_add(0, data)); }

	/* the sum of the TCP/UDP pseudo-header (source, destination, protocol, length) */
	uint32_t pseudo_header_sum(Ipv4_address src, Ipv4_address dst, uint8_t protocol, uint16_t length);

	/* RFC 1624: the checksum after one 16-bit word changed from 'old_word' to 'new_word' */
	uint16_t checksum_update16(uint16_t checksum, uint16_t old_word, uint16_t new_word);

	/* the same for a 32-bit field (an IPv4 address): two words */
	uint16_t checksum_update32(uint16_t checksum, uint32_t old_value, uint32_t new_value);
}
