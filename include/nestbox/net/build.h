/*
 * Building frames and rewriting them in place
 *
 * The builders produce complete frames with every checksum computed. The
 * rewriting functions change an address or port of a frame that
 * 'parse_frame' accepted and adjust the IPv4 and TCP/UDP/ICMP checksums
 * incrementally (RFC 1624), which is what NAT does per packet.
 */
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <nestbox/net/frame.h>

namespace nestbox::Net {

	using Frame = std::vector<uint8_t>;

	struct Eth_ends  { Mac_address src, dst; };
	struct Ipv4_ends { Ipv4_address src, dst; };

	Frame build_arp(Eth_ends eth, uint16_t op, Mac_address sender_mac, Ipv4_address sender_ip,
	                Mac_address target_mac, Ipv4_address target_ip);

	/* an IPv4 packet around 'l4' (its checksum, if any, already set) */
	Frame build_ipv4(Eth_ends eth, Ipv4_ends ip, uint8_t protocol,
	                 std::span<uint8_t const> l4, uint8_t ttl = 64);

	Frame build_udp(Eth_ends eth, Ipv4_ends ip, uint16_t src_port, uint16_t dst_port,
	                std::span<uint8_t const> payload);

	Frame build_tcp(Eth_ends eth, Ipv4_ends ip, uint16_t src_port, uint16_t dst_port,
	                uint32_t seq, uint32_t ack, uint8_t flags,
	                std::span<uint8_t const> payload = { });

	Frame build_icmp_echo(Eth_ends eth, Ipv4_ends ip, uint8_t type, uint16_t id,
	                      uint16_t seq, std::span<uint8_t const> payload = { });

	/* in-place rewriting of a parsed IPv4 frame; 'parsed' is updated too */
	void set_eth(std::span<uint8_t> frame, Parsed_frame &parsed, Eth_ends eth);
	void set_ipv4_src(std::span<uint8_t> frame, Parsed_frame &parsed, Ipv4_address a);
	void set_ipv4_dst(std::span<uint8_t> frame, Parsed_frame &parsed, Ipv4_address a);

	/* TCP/UDP source/destination port; for ICMP echo both mean the echo id */
	void set_src_port(std::span<uint8_t> frame, Parsed_frame &parsed, uint16_t port);
	void set_dst_port(std::span<uint8_t> frame, Parsed_frame &parsed, uint16_t port);

	/*
	 * Rewrites the packet an ICMP error quotes (what NAT does to the error
	 * of a translated packet): its addresses and ports, the quoted IPv4
	 * checksum, the quoted TCP/UDP/ICMP checksum where the quote holds it
	 * (incrementally, since the quote is truncated), and the ICMP checksum.
	 */
	void set_icmp_quote(std::span<uint8_t> frame, Icmp_quote &quote,
	                    Ipv4_address src, Ipv4_address dst,
	                    uint16_t src_port, uint16_t dst_port);
}
