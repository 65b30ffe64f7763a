/*
 * Building frames, and rewriting addresses and ports with checksum updates
 */
#include <nestbox/net/build.h>
#include <nestbox/net/checksum.h>

#include <tuple>

using namespace nestbox::Net;


static Frame ethernet(Eth_ends eth, uint16_t type, size_t payload)
{
	Frame f(ETH_HEADER + payload, 0);
	put_mac(f, 0, eth.dst);
	put_mac(f, 6, eth.src);
	put_u16(f, 12, type);
	return f;
}


Frame nestbox::Net::build_arp(Eth_ends eth, uint16_t op, Mac_address sender_mac,
                              Ipv4_address sender_ip, Mac_address target_mac,
                              Ipv4_address target_ip)
{
	Frame f = ethernet(eth, Ether_type::ARP, ARP_PACKET);
	size_t const o = ETH_HEADER;
	put_u16(f, o, 1);
	put_u16(f, o + 2, Ether_type::IPV4);
	put_u8(f, o + 4, 6);
	put_u8(f, o + 5, 4);
	put_u16(f, o + 6, op);
	put_mac(f, o + 8, sender_mac);
	put_ipv4(f, o + 14, sender_ip);
	put_mac(f, o + 18, target_mac);
	put_ipv4(f, o + 24, target_ip);
	return f;
}


Frame nestbox::Net::build_ipv4(Eth_ends eth, Ipv4_ends ip, uint8_t protocol,
                               std::span<uint8_t const> l4, uint8_t ttl)
{
	Frame f = ethernet(eth, Ether_type::IPV4, IPV4_HEADER + l4.size());
	std::span<uint8_t> h { f.data() + ETH_HEADER, IPV4_HEADER };
	put_u8(h, 0, 0x45);
	put_u16(h, 2, uint16_t(IPV4_HEADER + l4.size()));
	put_u16(h, 6, 0x4000);   /* don't fragment */
	put_u8(h, 8, ttl);
	put_u8(h, 9, protocol);
	put_ipv4(h, 12, ip.src);
	put_ipv4(h, 16, ip.dst);
	put_u16(h, 10, internet_checksum(h));
	std::copy(l4.begin(), l4.end(), f.begin() + ETH_HEADER + IPV4_HEADER);
	return f;
}


static uint16_t transport_checksum(Ipv4_ends ip, uint8_t protocol, std::span<uint8_t const> seg)
{
	return checksum_finish(checksum_add(pseudo_header_sum(ip.src, ip.dst, protocol,
	                                                      uint16_t(seg.size())), seg));
}


Frame nestbox::Net::build_udp(Eth_ends eth, Ipv4_ends ip, uint16_t src_port, uint16_t dst_port,
                              std::span<uint8_t const> payload)
{
	std::vector<uint8_t> seg(UDP_HEADER + payload.size(), 0);
	put_u16(seg, 0, src_port);
	put_u16(seg, 2, dst_port);
	put_u16(seg, 4, uint16_t(seg.size()));
	std::copy(payload.begin(), payload.end(), seg.begin() + UDP_HEADER);
	uint16_t csum = transport_checksum(ip, Ip_protocol::UDP, seg);
	put_u16(seg, 6, csum ? csum : 0xffff);   /* 0 would mean "no checksum" */
	return build_ipv4(eth, ip, Ip_protocol::UDP, seg);
}


Frame nestbox::Net::build_tcp(Eth_ends eth, Ipv4_ends ip, uint16_t src_port, uint16_t dst_port,
                              uint32_t seq, uint32_t ack, uint8_t flags,
                              std::span<uint8_t const> payload)
{
	std::vector<uint8_t> seg(TCP_HEADER + payload.size(), 0);
	put_u16(seg, 0, src_port);
	put_u16(seg, 2, dst_port);
	put_u32(seg, 4, seq);
	put_u32(seg, 8, ack);
	put_u8(seg, 12, 5 << 4);
	put_u8(seg, 13, flags);
	put_u16(seg, 14, 65535);
	std::copy(payload.begin(), payload.end(), seg.begin() + TCP_HEADER);
	put_u16(seg, 16, transport_checksum(ip, Ip_protocol::TCP, seg));
	return build_ipv4(eth, ip, Ip_protocol::TCP, seg);
}


Frame nestbox::Net::build_icmp_echo(Eth_ends eth, Ipv4_ends ip, uint8_t type, uint16_t id,
                                    uint16_t seq, std::span<uint8_t const> payload)
{
	std::vector<uint8_t> msg(ICMP_HEADER + payload.size(), 0);
	put_u8(msg, 0, type);
	put_u16(msg, 4, id);
	put_u16(msg, 6, seq);
	std::copy(payload.begin(), payload.end(), msg.begin() + ICMP_HEADER);
	put_u16(msg, 2, internet_checksum(msg));
	return build_ipv4(eth, ip, Ip_protocol::ICMP, msg);
}


void nestbox::Net::set_eth(std::span<uint8_t> f, Parsed_frame &parsed, Eth_ends eth)
{
	put_mac(f, 0, eth.dst);
	put_mac(f, 6, eth.src);
	parsed.dst = eth.dst;
	parsed.src = eth.src;
}


/* an address changed: the IPv4 header, and TCP/UDP through the pseudo-header */
static void address_changed(std::span<uint8_t> f, Parsed_frame &p, uint32_t old_a, uint32_t new_a)
{
	size_t const ip_csum = ETH_HEADER + 10;
	put_u16(f, ip_csum, checksum_update32(get_u16(f, ip_csum), old_a, new_a));

	bool const pseudo = p.ipv4->protocol == Ip_protocol::TCP || p.ipv4->protocol == Ip_protocol::UDP;
	if (p.l4 && pseudo && p.l4->checksum_offset) {
		size_t const o = p.l4->checksum_offset;
		uint16_t csum = checksum_update32(get_u16(f, o), old_a, new_a);
		if (p.ipv4->protocol == Ip_protocol::UDP && csum == 0) csum = 0xffff;
		put_u16(f, o, csum);
	}
}


void nestbox::Net::set_ipv4_src(std::span<uint8_t> f, Parsed_frame &p, Ipv4_address a)
{
	address_changed(f, p, p.ipv4->src.value, a.value);
	put_ipv4(f, ETH_HEADER + 12, a);
	p.ipv4->src = a;
}


void nestbox::Net::set_ipv4_dst(std::span<uint8_t> f, Parsed_frame &p, Ipv4_address a)
{
	address_changed(f, p, p.ipv4->dst.value, a.value);
	put_ipv4(f, ETH_HEADER + 16, a);
	p.ipv4->dst = a;
}


static void set_port_field(std::span<uint8_t> f, Parsed_frame &p, size_t field, uint16_t port)
{
	if (!p.l4) return;
	size_t const o = p.ipv4->l4_offset + field;
	uint16_t const old = get_u16(f, o);
	put_u16(f, o, port);
	if (size_t const c = p.l4->checksum_offset) {
		uint16_t csum = checksum_update16(get_u16(f, c), old, port);
		if (p.ipv4->protocol == Ip_protocol::UDP && csum == 0) csum = 0xffff;
		put_u16(f, c, csum);
	}
}


void nestbox::Net::set_src_port(std::span<uint8_t> f, Parsed_frame &p, uint16_t port)
{
	if (p.ipv4->protocol == Ip_protocol::ICMP) {
		set_port_field(f, p, 4, port);
		p.l4->icmp_id = port;
		return;
	}
	set_port_field(f, p, 0, port);
	p.l4->src_port = port;
}


void nestbox::Net::set_dst_port(std::span<uint8_t> f, Parsed_frame &p, uint16_t port)
{
	if (p.ipv4->protocol == Ip_protocol::ICMP) {
		set_port_field(f, p, 4, port);
		p.l4->icmp_id = port;
		return;
	}
	set_port_field(f, p, 2, port);
	p.l4->dst_port = port;
}


void nestbox::Net::set_icmp_quote(std::span<uint8_t> f, Icmp_quote &q,
                                  Ipv4_address src, Ipv4_address dst,
                                  uint16_t src_port, uint16_t dst_port)
{
	/* the quoted transport checksum, where the quote holds it */
	size_t csum = 0;
	bool pseudo = true, udp = false;
	switch (q.protocol) {
	case Ip_protocol::TCP:  csum = q.l4_offset + 16 + 2 <= q.end ? q.l4_offset + 16 : 0; break;
	case Ip_protocol::UDP:  csum = get_u16(f, q.l4_offset + 6) ? q.l4_offset + 6 : 0; udp = true; break;
	case Ip_protocol::ICMP: csum = q.l4_offset + 2; pseudo = false; break;
	}
	auto update = [&] (size_t field, uint16_t old_v, uint16_t new_v) {
		put_u16(f, field, checksum_update16(get_u16(f, field), old_v, new_v)); };

	for (auto [offset, old_a, new_a] : { std::tuple { size_t(12), q.src, src },
	                                     std::tuple { size_t(16), q.dst, dst } }) {
		if (old_a == new_a) continue;
		size_t const ip_csum = q.ip_offset + 10;
		put_u16(f, ip_csum, checksum_update32(get_u16(f, ip_csum), old_a.value, new_a.value));
		if (csum && pseudo) put_u16(f, csum, checksum_update32(get_u16(f, csum), old_a.value, new_a.value));
		put_ipv4(f, q.ip_offset + offset, new_a);
	}
	if (q.protocol == Ip_protocol::ICMP) {
		/* an echo's id serves as both ports */
		if (q.src_port != src_port) {
			update(csum, q.src_port, src_port);
			put_u16(f, q.l4_offset + 4, src_port);
		}
	} else {
		for (auto [offset, old_p, new_p] : { std::tuple { size_t(0), q.src_port, src_port },
		                                     std::tuple { size_t(2), q.dst_port, dst_port } }) {
			if (old_p == new_p) continue;
			if (csum) update(csum, old_p, new_p);
			put_u16(f, q.l4_offset + offset, new_p);
		}
	}
	if (udp && csum && get_u16(f, csum) == 0) put_u16(f, csum, 0xffff);
	q.src = src; q.dst = dst; q.src_port = src_port;
	q.dst_port = q.protocol == Ip_protocol::ICMP ? src_port : dst_port;

	/* the ICMP checksum covers the whole message, which is all here */
	size_t const icmp = q.ip_offset - ICMP_HEADER;
	put_u16(f, icmp + 2, 0);
	put_u16(f, icmp + 2, internet_checksum(f.subspan(icmp, q.end - icmp)));
}
