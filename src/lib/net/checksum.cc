/*
 * The Internet checksum and its incremental update
 */
#include <nestbox/net/checksum.h>

using namespace nestbox::Net;


uint32_t nestbox::Net::checksum_add(uint32_t sum, std::span<uint8_t const> data)
{
	size_t i = 0;
	for (; i + 1 < data.size(); i += 2) {
		sum += uint32_t(data[i] << 8 | data[i + 1]);
		/* fold early so that no frame size can overflow 32 bits */
		if (sum & 0x80000000u) sum = (sum & 0xffff) + (sum >> 16);
	}
	if (i < data.size())
		sum += uint32_t(data[i] << 8);
	return sum;
}


uint16_t nestbox::Net::checksum_finish(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return uint16_t(~sum);
}


uint32_t nestbox::Net::pseudo_header_sum(Ipv4_address src, Ipv4_address dst,
                                         uint8_t protocol, uint16_t length)
{
	return (src.value >> 16) + (src.value & 0xffff) + (dst.value >> 16)
	     + (dst.value & 0xffff) + protocol + length;
}


uint16_t nestbox::Net::checksum_update16(uint16_t checksum, uint16_t old_word, uint16_t new_word)
{
	/* RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m') */
	uint32_t sum = uint16_t(~checksum) + uint32_t(uint16_t(~old_word)) + new_word;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return uint16_t(~sum);
}


uint16_t nestbox::Net::checksum_update32(uint16_t checksum, uint32_t old_value, uint32_t new_value)
{
	checksum = checksum_update16(checksum, uint16_t(old_value >> 16), uint16_t(new_value >> 16));
	return checksum_update16(checksum, uint16_t(old_value), uint16_t(new_value));
}
