/*
 * Fuzz target: arbitrary bytes as an Ethernet frame a client sends to
 * nic_router, through the protocol library's parser (Ethernet, ARP, IPv4,
 * ICMP, UDP, TCP, DHCP), with and without checksum checks. What it accepts
 * must lie inside the frame, and rewriting it as NAT does (an ICMP error's
 * quote included) must leave a frame that parses again with valid checksums.
 */
#include <nestbox/net/build.h>

#include <cstdlib>
#include <vector>

using namespace nestbox::Net;

static void require(bool ok) { if (!ok) abort(); }


extern "C" int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	for (bool check : { false, true }) {
		Parsed_frame p;
		std::span<uint8_t const> const frame { data, size };
		if (parse_frame(frame, p, check) != Drop_reason::NONE)
			continue;
		if (p.ipv4) {
			require(p.ipv4->l4_offset + p.ipv4->l4_length <= size);
			require(p.ipv4->header_length >= IPV4_HEADER);
		}
		if (p.l4)
			require(p.l4->payload_offset + p.l4->payload_length <= size);

		/* NAT on a checked frame keeps it valid */
		if (check && p.ipv4 && p.l4) {
			std::vector<uint8_t> copy(data, data + size);
			set_ipv4_src(copy, p, { 0x0a000237 });
			set_ipv4_dst(copy, p, { 0xc0a80001 });
			set_src_port(copy, p, 50000);
			set_dst_port(copy, p, 8080);
			Parsed_frame q;
			require(parse_frame(copy, q, true) == Drop_reason::NONE);
		}

		/* an ICMP error's quote lies inside the ICMP message, and rewriting it keeps it valid */
		if (std::optional<Icmp_quote> quote = parse_icmp_quote(frame, p)) {
			require(quote->ip_offset == p.l4->payload_offset);
			require(quote->l4_offset + 8 <= quote->end && quote->end <= size);
			if (check) {
				std::vector<uint8_t> copy(data, data + size);
				set_icmp_quote(copy, *quote, { 0x0a000364 }, { 0x01010101 }, 5353, 53);
				Parsed_frame q;
				require(parse_frame(copy, q, true) == Drop_reason::NONE);
				std::optional<Icmp_quote> again = parse_icmp_quote(copy, q);
				require(again && again->src.value == 0x0a000364 && again->src_port == 5353);
			}
		}
	}
	return 0;
}
