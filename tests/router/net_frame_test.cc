/*
 * Unit tests of the protocol library (src/lib/net): checksums, building and
 * parsing each protocol, every reason a frame is dropped, NAT rewriting
 */
#include <gtest/gtest.h>

#include <nestbox/net/build.h>
#include <nestbox/net/checksum.h>
#include <nestbox/net/frame.h>

#include <random>

using namespace nestbox::Net;

namespace {

	Mac_address const MAC_A { { 2, 0, 0, 0, 0, 0xa } };
	Mac_address const MAC_B { { 2, 0, 0, 0, 0, 0xb } };
	Ipv4_address const IP_A { 0x0a000002 };   /* 10.0.0.2 */
	Ipv4_address const IP_B { 0x0a000001 };   /* 10.0.0.1 */
	Eth_ends const ETH { MAC_A, MAC_B };
	Ipv4_ends const IP { IP_A, IP_B };

	Drop_reason parse(Frame const &f, Parsed_frame &p) { return parse_frame(f, p); }
	Drop_reason parse(Frame const &f) { Parsed_frame p; return parse_frame(f, p); }

	/* recomputes the IPv4 header checksum after a test corrupted a field */
	void fix_ip_checksum(Frame &f)
	{
		size_t const ihl = size_t(f[ETH_HEADER] & 0xf) * 4;
		put_u16(f, ETH_HEADER + 10, 0);
		put_u16(f, ETH_HEADER + 10, internet_checksum({ f.data() + ETH_HEADER, ihl }));
	}
}


TEST(net_checksum, rfc1071_example)
{
	/* RFC 1071 section 3: the sum of these words is 0xddf2 */
	uint8_t const data[] { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	EXPECT_EQ(internet_checksum(data), uint16_t(~0xddf2));
}


TEST(net_checksum, odd_length_pads_with_zero)
{
	uint8_t const odd[] { 0x12, 0x34, 0x56 };
	uint8_t const even[] { 0x12, 0x34, 0x56, 0x00 };
	EXPECT_EQ(internet_checksum(odd), internet_checksum(even));
}


TEST(net_checksum, incremental_update_matches_recomputation)
{
	std::mt19937 rng(7);
	for (unsigned round = 0; round < 2000; round++) {
		std::vector<uint8_t> data(20);
		for (auto &b : data) b = uint8_t(rng());
		uint16_t const before = internet_checksum(data);
		size_t const at = (rng() % 10) * 2;
		uint16_t const old_word = get_u16(data, at);
		uint16_t const new_word = uint16_t(rng());
		put_u16(data, at, new_word);
		uint16_t const updated = checksum_update16(before, old_word, new_word);
		/* both are valid checksums of the data: the sum with it folds to 0xffff */
		std::vector<uint8_t> with(data);
		with.push_back(uint8_t(updated >> 8));
		with.push_back(uint8_t(updated));
		EXPECT_EQ(internet_checksum(with), 0) << "round " << round;
	}
}


TEST(net_checksum, rfc1624_no_negative_zero)
{
	/*
	 * RFC 1624 section 4's example: a header whose checksum is 0xdd2f has a
	 * word change from 0x5555 to 0x3285. Recomputing gives 0x0000; RFC
	 * 1141's update gives 0xffff, eqn. 3 of RFC 1624 the correct 0x0000.
	 */
	EXPECT_EQ(checksum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}


TEST(net_frame, arp_round_trip)
{
	Frame f = build_arp({ MAC_A, Mac_address::broadcast() }, Arp_op::REQUEST,
	                    MAC_A, IP_A, { }, IP_B);
	Parsed_frame p;
	ASSERT_EQ(parse(f, p), Drop_reason::NONE);
	ASSERT_TRUE(p.arp);
	EXPECT_EQ(p.arp->op, Arp_op::REQUEST);
	EXPECT_EQ(p.arp->sender_mac, MAC_A);
	EXPECT_EQ(p.arp->sender_ip, IP_A);
	EXPECT_EQ(p.arp->target_ip, IP_B);
	EXPECT_TRUE(p.dst.is_broadcast());
}


TEST(net_frame, udp_tcp_icmp_round_trip)
{
	uint8_t const data[] { 'h', 'e', 'l', 'l', 'o' };
	Parsed_frame p;

	ASSERT_EQ(parse(build_udp(ETH, IP, 4000, 53, data), p), Drop_reason::NONE);
	EXPECT_EQ(p.ipv4->protocol, Ip_protocol::UDP);
	EXPECT_EQ(p.ipv4->src, IP_A);
	EXPECT_EQ(p.l4->src_port, 4000);
	EXPECT_EQ(p.l4->dst_port, 53);
	EXPECT_EQ(p.l4->payload_length, 5u);
	EXPECT_FALSE(p.dhcp);

	ASSERT_EQ(parse(build_tcp(ETH, IP, 40000, 80, 1, 0, Tcp_flag::SYN, data), p), Drop_reason::NONE);
	EXPECT_EQ(p.l4->dst_port, 80);
	EXPECT_EQ(p.l4->tcp_flags, Tcp_flag::SYN);
	EXPECT_EQ(p.l4->payload_length, 5u);

	ASSERT_EQ(parse(build_icmp_echo(ETH, IP, Icmp_type::ECHO_REQUEST, 77, 3, data), p), Drop_reason::NONE);
	EXPECT_EQ(p.l4->icmp_type, Icmp_type::ECHO_REQUEST);
	EXPECT_EQ(p.l4->icmp_id, 77);
	EXPECT_EQ(p.l4->icmp_seq, 3);
}


TEST(net_frame, ethernet_and_arp_drops)
{
	EXPECT_EQ(parse(Frame(13, 0)), Drop_reason::ETH_TRUNCATED);

	Frame ipv6 = build_udp(ETH, IP, 1, 2, { });
	put_u16(ipv6, 12, 0x86dd);
	EXPECT_EQ(parse(ipv6), Drop_reason::ETH_TYPE);

	Frame arp = build_arp(ETH, Arp_op::REPLY, MAC_A, IP_A, MAC_B, IP_B);
	Frame short_arp(arp.begin(), arp.end() - 1);
	EXPECT_EQ(parse(short_arp), Drop_reason::ARP_TRUNCATED);
	put_u16(arp, ETH_HEADER + 6, 9);   /* an opcode that isn't request or reply */
	EXPECT_EQ(parse(arp), Drop_reason::ARP_UNSUPPORTED);
}


TEST(net_frame, ipv4_drops)
{
	Frame const good = build_udp(ETH, IP, 1, 2, { });

	EXPECT_EQ(parse(Frame(good.begin(), good.begin() + ETH_HEADER + 19)), Drop_reason::IPV4_TRUNCATED);

	Frame f = good; f[ETH_HEADER] = 0x65; fix_ip_checksum(f);
	EXPECT_EQ(parse(f), Drop_reason::IPV4_VERSION);

	f = good; f[ETH_HEADER] = 0x44;
	EXPECT_EQ(parse(f), Drop_reason::IPV4_HEADER_LENGTH);

	f = good; f[ETH_HEADER] = 0x4f;   /* 60 bytes of header in a 28-byte packet */
	EXPECT_EQ(parse(f), Drop_reason::IPV4_HEADER_LENGTH);

	f = good; put_u16(f, ETH_HEADER + 2, 200); fix_ip_checksum(f);
	EXPECT_EQ(parse(f), Drop_reason::IPV4_TOTAL_LENGTH);

	f = good; put_u16(f, ETH_HEADER + 2, 12); fix_ip_checksum(f);
	EXPECT_EQ(parse(f), Drop_reason::IPV4_TOTAL_LENGTH);

	f = good; f[ETH_HEADER + 12] ^= 1;
	EXPECT_EQ(parse(f), Drop_reason::IPV4_CHECKSUM);

	f = good; put_u16(f, ETH_HEADER + 6, 0x2000); fix_ip_checksum(f);   /* more fragments */
	EXPECT_EQ(parse(f), Drop_reason::IPV4_FRAGMENT);

	f = good; put_u16(f, ETH_HEADER + 6, 0x0010); fix_ip_checksum(f);   /* a later fragment */
	EXPECT_EQ(parse(f), Drop_reason::IPV4_FRAGMENT);

	/* Ethernet padding after the IPv4 packet is allowed */
	f = good; f.resize(60, 0);
	EXPECT_EQ(parse(f), Drop_reason::NONE);
}


TEST(net_frame, transport_drops)
{
	uint8_t const data[] { 1, 2, 3, 4 };

	Frame icmp = build_ipv4(ETH, IP, Ip_protocol::ICMP, std::span<uint8_t const>(data, 4));
	EXPECT_EQ(parse(icmp), Drop_reason::ICMP_TRUNCATED);
	icmp = build_icmp_echo(ETH, IP, Icmp_type::ECHO_REQUEST, 1, 1, data);
	icmp.back() ^= 0xff;
	EXPECT_EQ(parse(icmp), Drop_reason::ICMP_CHECKSUM);

	EXPECT_EQ(parse(build_ipv4(ETH, IP, Ip_protocol::UDP, std::span<uint8_t const>(data, 4))),
	          Drop_reason::UDP_TRUNCATED);
	Frame udp = build_udp(ETH, IP, 1, 2, data);
	put_u16(udp, ETH_HEADER + IPV4_HEADER + 4, 40);   /* longer than the packet */
	EXPECT_EQ(parse(udp), Drop_reason::UDP_LENGTH);
	put_u16(udp, ETH_HEADER + IPV4_HEADER + 4, 7);    /* shorter than its header */
	EXPECT_EQ(parse(udp), Drop_reason::UDP_LENGTH);
	udp = build_udp(ETH, IP, 1, 2, data);
	udp.back() ^= 0xff;
	EXPECT_EQ(parse(udp), Drop_reason::UDP_CHECKSUM);
	put_u16(udp, ETH_HEADER + IPV4_HEADER + 6, 0);    /* no checksum: accepted */
	EXPECT_EQ(parse(udp), Drop_reason::NONE);

	std::vector<uint8_t> short_tcp(19, 0);
	EXPECT_EQ(parse(build_ipv4(ETH, IP, Ip_protocol::TCP, short_tcp)), Drop_reason::TCP_TRUNCATED);
	Frame tcp = build_tcp(ETH, IP, 1, 2, 0, 0, Tcp_flag::SYN, data);
	tcp[ETH_HEADER + IPV4_HEADER + 12] = 4 << 4;
	EXPECT_EQ(parse(tcp), Drop_reason::TCP_DATA_OFFSET);
	tcp[ETH_HEADER + IPV4_HEADER + 12] = 15 << 4;     /* 60 bytes of header in 24 */
	EXPECT_EQ(parse(tcp), Drop_reason::TCP_DATA_OFFSET);
	tcp = build_tcp(ETH, IP, 1, 2, 0, 0, Tcp_flag::SYN, data);
	tcp[ETH_HEADER + IPV4_HEADER + 4] ^= 1;
	EXPECT_EQ(parse(tcp), Drop_reason::TCP_CHECKSUM);

	/* every byte count short of a whole frame is dropped with a reason, never read past */
	Frame whole = build_tcp(ETH, IP, 1, 2, 0, 0, Tcp_flag::SYN, data);
	for (size_t n = 0; n < whole.size(); n++)
		EXPECT_NE(parse(Frame(whole.begin(), whole.begin() + n)), Drop_reason::NONE) << n;
}


TEST(net_frame, nat_rewrite_keeps_checksums_valid)
{
	uint8_t const data[] { 'x', 'y', 'z' };
	for (uint8_t proto : { Ip_protocol::TCP, Ip_protocol::UDP, Ip_protocol::ICMP }) {
		Frame f = proto == Ip_protocol::TCP ? build_tcp(ETH, IP, 40000, 80, 5, 6, Tcp_flag::ACK, data)
		        : proto == Ip_protocol::UDP ? build_udp(ETH, IP, 40000, 53, data)
		        : build_icmp_echo(ETH, IP, Icmp_type::ECHO_REQUEST, 40000, 1, data);
		Parsed_frame p;
		ASSERT_EQ(parse(f, p), Drop_reason::NONE);
		set_ipv4_src(f, p, { 0xc0a80137 });
		set_src_port(f, p, 50001);
		set_ipv4_dst(f, p, { 0x08080808 });
		if (proto != Ip_protocol::ICMP) set_dst_port(f, p, 8080);
		set_eth(f, p, { MAC_B, MAC_A });

		Parsed_frame q;
		ASSERT_EQ(parse(f, q), Drop_reason::NONE) << int(proto);
		EXPECT_EQ(q.ipv4->src.value, 0xc0a80137u);
		EXPECT_EQ(q.ipv4->dst.value, 0x08080808u);
		if (proto == Ip_protocol::ICMP) {
			EXPECT_EQ(q.l4->icmp_id, 50001);
		} else {
			EXPECT_EQ(q.l4->src_port, 50001);
			EXPECT_EQ(q.l4->dst_port, 8080);
		}
		/* the same bytes as a frame built from scratch with those values */
		Eth_ends const eth { MAC_B, MAC_A };
		Ipv4_ends const ip { { 0xc0a80137 }, { 0x08080808 } };
		Frame const fresh = proto == Ip_protocol::TCP ? build_tcp(eth, ip, 50001, 8080, 5, 6, Tcp_flag::ACK, data)
		                  : proto == Ip_protocol::UDP ? build_udp(eth, ip, 50001, 8080, data)
		                  : build_icmp_echo(eth, ip, Icmp_type::ECHO_REQUEST, 50001, 1, data);
		EXPECT_EQ(f, fresh) << int(proto);
	}
}


TEST(net_address, parse_and_print)
{
	EXPECT_EQ(Ipv4_address::from_string("10.0.2.55")->value, 0x0a000237u);
	EXPECT_EQ(Ipv4_address { 0x0a000237 }.string(), "10.0.2.55");
	EXPECT_FALSE(Ipv4_address::from_string("10.0.2"));
	EXPECT_FALSE(Ipv4_address::from_string("10.0.2.256"));
	EXPECT_FALSE(Ipv4_address::from_string("10.0.2.5x"));
	EXPECT_FALSE(Ipv4_address::from_string("+10.0.2.5"));
	auto cidr = Ipv4_cidr::from_string("10.0.2.55/24");
	ASSERT_TRUE(cidr);
	EXPECT_EQ(cidr->network().string(), "10.0.2.0");
	EXPECT_TRUE(cidr->contains({ 0x0a0002ff }));
	EXPECT_FALSE(cidr->contains({ 0x0a000302 }));
	EXPECT_FALSE(Ipv4_cidr::from_string("10.0.2.55/33"));
	EXPECT_FALSE(Ipv4_cidr::from_string("10.0.2.55"));
	EXPECT_TRUE(Ipv4_cidr::from_string("0.0.0.0/0")->contains({ 0x01020304 }));
	EXPECT_EQ(MAC_A.string(), "02:00:00:00:00:0a");
}
