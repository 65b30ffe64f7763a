/*
 * Parsing an Ethernet frame down to its transport header and DHCP
 */
#include <nestbox/net/frame.h>
#include <nestbox/net/checksum.h>

using namespace nestbox::Net;


std::string_view nestbox::Net::drop_reason_name(Drop_reason r)
{
	switch (r) {
	case Drop_reason::NONE:                     return "none";
	case Drop_reason::ETH_TRUNCATED:            return "eth_truncated";
	case Drop_reason::ETH_TYPE:                 return "eth_type";
	case Drop_reason::ARP_TRUNCATED:            return "arp_truncated";
	case Drop_reason::ARP_UNSUPPORTED:          return "arp_unsupported";
	case Drop_reason::IPV4_TRUNCATED:           return "ipv4_truncated";
	case Drop_reason::IPV4_VERSION:             return "ipv4_version";
	case Drop_reason::IPV4_HEADER_LENGTH:       return "ipv4_header_length";
	case Drop_reason::IPV4_TOTAL_LENGTH:        return "ipv4_total_length";
	case Drop_reason::IPV4_CHECKSUM:            return "ipv4_checksum";
	case Drop_reason::IPV4_FRAGMENT:            return "ipv4_fragment";
	case Drop_reason::ICMP_TRUNCATED:           return "icmp_truncated";
	case Drop_reason::ICMP_CHECKSUM:            return "icmp_checksum";
	case Drop_reason::UDP_TRUNCATED:            return "udp_truncated";
	case Drop_reason::UDP_LENGTH:               return "udp_length";
	case Drop_reason::UDP_CHECKSUM:             return "udp_checksum";
	case Drop_reason::TCP_TRUNCATED:            return "tcp_truncated";
	case Drop_reason::TCP_DATA_OFFSET:          return "tcp_data_offset";
	case Drop_reason::TCP_CHECKSUM:             return "tcp_checksum";
	case Drop_reason::DHCP_TRUNCATED:           return "dhcp_truncated";
	case Drop_reason::DHCP_MAGIC:               return "dhcp_magic";
	case Drop_reason::DHCP_OPTION_LENGTH:       return "dhcp_option_length";
	case Drop_reason::DHCP_OPTION_OVERLOAD:     return "dhcp_option_overload";
	case Drop_reason::DHCP_OPTION_UNTERMINATED: return "dhcp_option_unterminated";
	case Drop_reason::DHCP_MESSAGE_TYPE:        return "dhcp_message_type";
	case Drop_reason::COUNT:                    break;
	}
	return "unknown";
}


uint64_t Drop_counters::total() const
{
	uint64_t sum = 0;
	for (size_t i = 1; i < counts.size(); i++) sum += counts[i];
	return sum;
}


static Drop_reason parse_arp(Reader const &r, Parsed_frame &out)
{
	size_t const o = ETH_HEADER;
	if (!r.has(o, ARP_PACKET)) return Drop_reason::ARP_TRUNCATED;

	/* Ethernet hardware, IPv4 protocol, their lengths */
	if (r.u16(o) != 1 || r.u16(o + 2) != Ether_type::IPV4 || r.u8(o + 4) != 6 || r.u8(o + 5) != 4)
		return Drop_reason::ARP_UNSUPPORTED;
	uint16_t const op = r.u16(o + 6);
	if (op != Arp_op::REQUEST && op != Arp_op::REPLY) return Drop_reason::ARP_UNSUPPORTED;

	out.arp = Arp_fields { .op = op, .sender_mac = r.mac(o + 8), .sender_ip = r.ipv4(o + 14),
	                       .target_mac = r.mac(o + 18), .target_ip = r.ipv4(o + 24) };
	return Drop_reason::NONE;
}


static Drop_reason parse_l4(std::span<uint8_t const> frame, Reader const &r,
                            Parsed_frame &out, bool check)
{
	Ipv4_fields const &ip = *out.ipv4;
	size_t const o = ip.l4_offset, len = ip.l4_length;
	auto segment = frame.subspan(o, len);
	auto pseudo_ok = [&] {
		return checksum_finish(checksum_add(pseudo_header_sum(ip.src, ip.dst, ip.protocol,
		                                                      uint16_t(len)), segment)) == 0; };
	L4_fields l4 { };

	switch (ip.protocol) {
	case Ip_protocol::ICMP:
		if (len < ICMP_HEADER) return Drop_reason::ICMP_TRUNCATED;
		if (check && internet_checksum(segment) != 0) return Drop_reason::ICMP_CHECKSUM;
		l4.icmp_type = r.u8(o);
		l4.icmp_code = r.u8(o + 1);
		l4.checksum_offset = o + 2;
		l4.icmp_id  = r.u16(o + 4);
		l4.icmp_seq = r.u16(o + 6);
		l4.payload_offset = o + ICMP_HEADER;
		l4.payload_length = len - ICMP_HEADER;
		out.l4 = l4;
		return Drop_reason::NONE;

	case Ip_protocol::UDP: {
		if (len < UDP_HEADER) return Drop_reason::UDP_TRUNCATED;
		size_t const udp_len = r.u16(o + 4);
		if (udp_len < UDP_HEADER || udp_len > len) return Drop_reason::UDP_LENGTH;
		uint16_t const csum = r.u16(o + 6);
		if (check && csum != 0) {
			uint32_t sum = pseudo_header_sum(ip.src, ip.dst, ip.protocol, uint16_t(udp_len));
			if (checksum_finish(checksum_add(sum, frame.subspan(o, udp_len))) != 0)
				return Drop_reason::UDP_CHECKSUM;
		}
		l4.src_port = r.u16(o);
		l4.dst_port = r.u16(o + 2);
		l4.checksum_offset = csum ? o + 6 : 0;
		l4.payload_offset = o + UDP_HEADER;
		l4.payload_length = udp_len - UDP_HEADER;
		out.l4 = l4;

		bool const dhcp_ports =
			(l4.src_port == DHCP_CLIENT_PORT && l4.dst_port == DHCP_SERVER_PORT) ||
			(l4.src_port == DHCP_SERVER_PORT && l4.dst_port == DHCP_CLIENT_PORT);
		if (dhcp_ports) {
			Dhcp_message m { };
			Drop_reason const d = parse_dhcp(frame.subspan(l4.payload_offset, l4.payload_length), m);
			if (d != Drop_reason::NONE) return d;
			out.dhcp = std::move(m);
		}
		return Drop_reason::NONE;
	}

	case Ip_protocol::TCP: {
		if (len < TCP_HEADER) return Drop_reason::TCP_TRUNCATED;
		size_t const data_offset = size_t(r.u8(o + 12) >> 4) * 4;
		if (data_offset < TCP_HEADER || data_offset > len) return Drop_reason::TCP_DATA_OFFSET;
		if (check && !pseudo_ok()) return Drop_reason::TCP_CHECKSUM;
		l4.src_port = r.u16(o);
		l4.dst_port = r.u16(o + 2);
		l4.tcp_flags = r.u8(o + 13);
		l4.checksum_offset = o + 16;
		l4.payload_offset = o + data_offset;
		l4.payload_length = len - data_offset;
		out.l4 = l4;
		return Drop_reason::NONE;
	}
	}
	/* another transport: the IPv4 layer is all there is to route */
	return Drop_reason::NONE;
}


static Drop_reason parse_ipv4(std::span<uint8_t const> frame, Reader const &r,
                              Parsed_frame &out, bool check)
{
	size_t const o = ETH_HEADER;
	if (!r.has(o, IPV4_HEADER)) return Drop_reason::IPV4_TRUNCATED;

	uint8_t const vihl = r.u8(o);
	if (vihl >> 4 != 4) return Drop_reason::IPV4_VERSION;
	size_t const ihl = size_t(vihl & 0xf) * 4;
	if (ihl < IPV4_HEADER || !r.has(o, ihl)) return Drop_reason::IPV4_HEADER_LENGTH;
	size_t const total = r.u16(o + 2);
	if (total < ihl || !r.has(o, total)) return Drop_reason::IPV4_TOTAL_LENGTH;
	if (check && internet_checksum(frame.subspan(o, ihl)) != 0) return Drop_reason::IPV4_CHECKSUM;

	/* more-fragments or a fragment offset: we do not reassemble */
	if (r.u16(o + 6) & 0x3fff) return Drop_reason::IPV4_FRAGMENT;

	out.ipv4 = Ipv4_fields { .src = r.ipv4(o + 12), .dst = r.ipv4(o + 16),
	                         .protocol = r.u8(o + 9), .ttl = r.u8(o + 8),
	                         .header_length = ihl, .total_length = total,
	                         .l4_offset = o + ihl, .l4_length = total - ihl };
	return parse_l4(frame, r, out, check);
}


Drop_reason nestbox::Net::parse_frame(std::span<uint8_t const> frame, Parsed_frame &out,
                                      bool check_checksums)
{
	out = Parsed_frame { };
	Reader const r { frame };
	if (!r.has(0, ETH_HEADER)) return Drop_reason::ETH_TRUNCATED;

	out.dst = r.mac(0);
	out.src = r.mac(6);
	out.ether_type = r.u16(12);

	switch (out.ether_type) {
	case Ether_type::ARP:  return parse_arp(r, out);
	case Ether_type::IPV4: return parse_ipv4(frame, r, out, check_checksums);
	}
	return Drop_reason::ETH_TYPE;
}


std::optional<Icmp_quote> nestbox::Net::parse_icmp_quote(std::span<uint8_t const> frame,
                                                         Parsed_frame const &p)
{
	if (!p.ipv4 || !p.l4 || p.ipv4->protocol != Ip_protocol::ICMP) return { };
	uint8_t const type = p.l4->icmp_type;
	if (type != Icmp_type::DEST_UNREACHABLE && type != Icmp_type::TIME_EXCEEDED) return { };

	/* the quote is the ICMP payload: an IPv4 header and at least 8 bytes after it */
	size_t const o = p.l4->payload_offset, len = p.l4->payload_length;
	if (len < IPV4_HEADER + 8 || o + len > frame.size()) return { };
	auto const q = frame.subspan(o, len);
	if (q[0] >> 4 != 4) return { };
	size_t const ihl = size_t(q[0] & 0xf) * 4;
	if (ihl < IPV4_HEADER || ihl + 8 > len) return { };
	if (get_u16(q, 6) & 0x1fff) return { };   /* a later fragment has no ports */

	Icmp_quote r { .src = { get_u32(q, 12) }, .dst = { get_u32(q, 16) }, .protocol = q[9],
	               .ip_offset = o, .l4_offset = o + ihl, .end = o + len };
	auto const l4 = q.subspan(ihl);
	switch (r.protocol) {
	case Ip_protocol::TCP:
	case Ip_protocol::UDP:
		r.src_port = get_u16(l4, 0);
		r.dst_port = get_u16(l4, 2);
		return r;
	case Ip_protocol::ICMP:
		if (l4[0] != Icmp_type::ECHO_REQUEST && l4[0] != Icmp_type::ECHO_REPLY) return { };
		r.src_port = r.dst_port = get_u16(l4, 4);
		return r;
	}
	return { };
}
