/*
 * Unit tests of nic_router's <ip> rules (IPv4 of any protocol, without link
 * state or NAT) and of forwarding ICMP errors about a link's packets back to
 * the link's other side, with the quoted packet translated
 */
#include "router_test_support.h"

using namespace Router_test;

namespace {

	Mac_address const GW_MAC = mac(1), CLIENT_MAC = mac(0x10), SERVER_MAC = mac(0x20);
	Ipv4_address const GW = ip("10.0.2.1"), ROUTER_UP = ip("10.0.2.55");
	Ipv4_address const CLIENT = ip("10.0.3.100"), ROUTER_CL = ip("10.0.3.1");
	Ipv4_address const SERVER = ip("10.0.1.80"), ROUTER_SV = ip("10.0.1.1");
	Ipv4_address const REMOTE = ip("93.184.216.34");

	constexpr uint8_t GRE = 47;

	/* CONFIG's domains, with <ip> rules between clients and servers and to a VPN range */
	char const *const IP_RULES_CONFIG = R"(
	<config>
		<policy label_prefix="uplink" domain="uplink"/>
		<policy label_prefix="server" domain="servers"/>
		<policy label_prefix="client" domain="clients"/>
		<domain name="uplink" interface="10.0.2.55/24" gateway="10.0.2.1">
			<nat domain="clients" tcp-ports="2" udp-ports="4" icmp-ids="2"/>
		</domain>
		<domain name="clients" interface="10.0.3.1/24">
			<tcp dst="0.0.0.0/0"><permit-any domain="uplink"/></tcp>
			<udp dst="0.0.0.0/0"><permit-any domain="uplink"/></udp>
			<icmp dst="0.0.0.0/0" domain="uplink"/>
			<tcp dst="10.0.1.0/24"><permit port="7" domain="servers"/></tcp>
			<ip dst="10.0.0.0/16" domain="uplink"/>
			<ip dst="10.0.1.0/24" domain="servers"/>
			<ip dst="192.168.0.0/16" domain="uplink"/>
		</domain>
		<domain name="servers" interface="10.0.1.1/24">
			<ip dst="10.0.3.0/24" domain="clients"/>
		</domain>
	</config>)";

	struct Forwarding : ::testing::Test
	{
		Bench b { };
		Fake_io up_io { }, cl_io { }, sv_io { };
		Router::Id up = 0, cl = 0, sv = 0;

		void start(char const *config)
		{
			b.load(config);
			up = b.attach(up_io, "uplink");
			cl = b.attach(cl_io, "client -> nic");
			sv = b.attach(sv_io, "server -> nic");
			b.arp_hello(up, GW_MAC, GW, ROUTER_UP, up_io);
			b.arp_hello(cl, CLIENT_MAC, CLIENT, ROUTER_CL, cl_io);
			b.arp_hello(sv, SERVER_MAC, SERVER, ROUTER_SV, sv_io);
		}

		void SetUp() override { start(CONFIG); }
	};

	struct Ip_rules : Forwarding
	{
		void SetUp() override { start(IP_RULES_CONFIG); }
	};

	/* the IPv4 packet of a frame: what an ICMP error quotes (all of it, or 'limit' bytes) */
	std::vector<uint8_t> ip_packet(Frame const &f, size_t limit = SIZE_MAX)
	{
		size_t const n = std::min(f.size() - ETH_HEADER, limit);
		return { f.begin() + ETH_HEADER, f.begin() + ETH_HEADER + long(n) };
	}

	Frame icmp_error(Eth_ends eth, Ipv4_ends ip, uint8_t type, uint8_t code,
	                 std::vector<uint8_t> const &quote)
	{
		std::vector<uint8_t> msg(ICMP_HEADER + quote.size());
		msg[0] = type;
		msg[1] = code;
		std::copy(quote.begin(), quote.end(), msg.begin() + ICMP_HEADER);
		put_u16(msg, 2, internet_checksum(msg));
		return build_ipv4(eth, ip, Ip_protocol::ICMP, msg);
	}

	/* the packet a received ICMP error quotes, parsed as a frame of its own (checksums checked) */
	Parsed_frame quoted(Frame const &error, Parsed_frame const &p, Drop_reason expect = Drop_reason::NONE)
	{
		Frame f(ETH_HEADER, 0);
		put_u16(f, 12, Ether_type::IPV4);
		f.insert(f.end(), error.begin() + long(p.l4->payload_offset),
		         error.begin() + long(p.l4->payload_offset + p.l4->payload_length));
		Parsed_frame q;
		EXPECT_EQ(parse_frame(f, q), expect);
		return q;
	}
}


TEST_F(Forwarding, port_unreachable_for_a_nated_udp_link_reaches_the_client)
{
	uint8_t const q[] { 'd', 'n', 's' };
	b.send(cl, build_udp({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, ip("1.1.1.1") }, 5353, 53, q));
	Frame out;
	Parsed_frame o = up_io.take(&out);
	uint16_t const port = o.l4->src_port;
	ASSERT_EQ(o.ipv4->src, ROUTER_UP);

	/* the server quotes the whole datagram as it got it */
	b.send(up, icmp_error({ GW_MAC, ROUTER_MAC }, { ip("1.1.1.1"), ROUTER_UP },
	                      Icmp_type::DEST_UNREACHABLE, 3, ip_packet(out)));
	Frame raw;
	Parsed_frame e = cl_io.take(&raw);   /* outer IPv4 and ICMP checksums checked */
	ASSERT_TRUE(e.l4);
	EXPECT_EQ(e.dst, CLIENT_MAC);
	EXPECT_EQ(e.ipv4->src, ip("1.1.1.1"));
	EXPECT_EQ(e.ipv4->dst, CLIENT);
	EXPECT_EQ(e.l4->icmp_type, Icmp_type::DEST_UNREACHABLE);
	EXPECT_EQ(e.l4->icmp_code, 3);

	/* the quote is the datagram as the client sent it, its IPv4 and UDP checksums right */
	Parsed_frame inner = quoted(raw, e);
	ASSERT_TRUE(inner.l4);
	EXPECT_EQ(inner.ipv4->src, CLIENT);
	EXPECT_EQ(inner.ipv4->dst, ip("1.1.1.1"));
	EXPECT_EQ(inner.l4->src_port, 5353);
	EXPECT_EQ(inner.l4->dst_port, 53);
	EXPECT_NE(port, 5353);
}


TEST_F(Forwarding, time_exceeded_from_a_hop_for_a_nated_tcp_link_reaches_the_client)
{
	b.send(cl, build_tcp({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, REMOTE }, 40000, 80, 1, 0, Tcp_flag::SYN));
	Frame out;
	Parsed_frame o = up_io.take(&out);

	/* a router on the way quotes only the IPv4 header and 8 bytes (RFC 792) */
	b.send(up, icmp_error({ GW_MAC, ROUTER_MAC }, { GW, ROUTER_UP },
	                      Icmp_type::TIME_EXCEEDED, 0, ip_packet(out, IPV4_HEADER + 8)));
	Frame raw;
	Parsed_frame e = cl_io.take(&raw);
	ASSERT_TRUE(e.l4);
	EXPECT_EQ(e.ipv4->src, GW);           /* the hop keeps its own address */
	EXPECT_EQ(e.ipv4->dst, CLIENT);
	EXPECT_EQ(e.l4->icmp_type, Icmp_type::TIME_EXCEEDED);

	/* a quote of 8 bytes: the IPv4 header (its checksum right) and the ports */
	ASSERT_EQ(e.l4->payload_length, IPV4_HEADER + 8);
	std::span<uint8_t const> const quote(raw.data() + e.l4->payload_offset, e.l4->payload_length);
	EXPECT_EQ(internet_checksum(quote.first(IPV4_HEADER)), 0);
	EXPECT_EQ(get_u32(quote, 12), CLIENT.value);
	EXPECT_EQ(get_u32(quote, 16), REMOTE.value);
	EXPECT_EQ(get_u16(quote, IPV4_HEADER), 40000);
	EXPECT_EQ(get_u16(quote, IPV4_HEADER + 2), 80);
	EXPECT_EQ(b.router.link_count(), 1u);
}


TEST_F(Forwarding, icmp_error_about_a_nated_echo_reaches_the_client)
{
	b.send(cl, build_icmp_echo({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, REMOTE }, Icmp_type::ECHO_REQUEST, 5, 1));
	Frame out;
	up_io.take(&out);
	b.send(up, icmp_error({ GW_MAC, ROUTER_MAC }, { GW, ROUTER_UP },
	                      Icmp_type::DEST_UNREACHABLE, 1, ip_packet(out)));
	Frame raw;
	Parsed_frame e = cl_io.take(&raw);
	ASSERT_TRUE(e.l4);
	EXPECT_EQ(e.ipv4->dst, CLIENT);
	Parsed_frame inner = quoted(raw, e);   /* the echo's own checksum fixed too */
	ASSERT_TRUE(inner.l4);
	EXPECT_EQ(inner.l4->icmp_type, Icmp_type::ECHO_REQUEST);
	EXPECT_EQ(inner.l4->icmp_id, 5);
	EXPECT_EQ(inner.ipv4->src, CLIENT);
}


TEST_F(Forwarding, icmp_error_from_the_client_side_goes_out_translated)
{
	uint8_t const q[] { 'q' };
	b.send(cl, build_udp({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, ip("1.1.1.1") }, 5353, 53, q));
	uint16_t const port = up_io.take().l4->src_port;
	b.send(up, build_udp({ GW_MAC, ROUTER_MAC }, { ip("1.1.1.1"), ROUTER_UP }, 53, port, q));
	Frame reply;
	cl_io.take(&reply);

	/* the client's port closed meanwhile: its error about the reply goes to the remote */
	b.send(cl, icmp_error({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, ip("1.1.1.1") },
	                      Icmp_type::DEST_UNREACHABLE, 3, ip_packet(reply)));
	Frame raw;
	Parsed_frame e = up_io.take(&raw);
	ASSERT_TRUE(e.l4);
	EXPECT_EQ(e.dst, GW_MAC);
	EXPECT_EQ(e.ipv4->src, ROUTER_UP);    /* the client stays hidden behind NAT */
	EXPECT_EQ(e.ipv4->dst, ip("1.1.1.1"));
	Parsed_frame inner = quoted(raw, e);
	ASSERT_TRUE(inner.l4);
	EXPECT_EQ(inner.ipv4->src, ip("1.1.1.1"));
	EXPECT_EQ(inner.ipv4->dst, ROUTER_UP);
	EXPECT_EQ(inner.l4->src_port, 53);
	EXPECT_EQ(inner.l4->dst_port, port);
}


TEST_F(Forwarding, icmp_error_without_a_link_is_dropped)
{
	Frame made = build_udp({ GW_MAC, ROUTER_MAC }, { ROUTER_UP, ip("1.1.1.1") }, 49999, 53, { });
	b.send(up, icmp_error({ GW_MAC, ROUTER_MAC }, { ip("1.1.1.1"), ROUTER_UP },
	                      Icmp_type::DEST_UNREACHABLE, 3, ip_packet(made)));
	EXPECT_TRUE(cl_io.sent.empty());
	EXPECT_EQ(b.router.route_drops(up, Route_drop::NO_RULE), 1u);

	/* a quote too short to hold ports is not a link's */
	b.send(cl, build_udp({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, ip("1.1.1.1") }, 5353, 53, { }));
	Frame out;
	up_io.take(&out);
	b.send(up, icmp_error({ GW_MAC, ROUTER_MAC }, { ip("1.1.1.1"), ROUTER_UP },
	                      Icmp_type::DEST_UNREACHABLE, 3, ip_packet(out, IPV4_HEADER + 4)));
	EXPECT_TRUE(cl_io.sent.empty());
	EXPECT_EQ(b.router.route_drops(up, Route_drop::NO_RULE), 2u);
}


TEST_F(Ip_rules, other_protocols_go_both_ways_without_nat_or_link)
{
	uint8_t const gre[] { 0, 0, 0x65, 0x58, 1, 2, 3, 4 };

	b.send(cl, build_ipv4({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, SERVER }, GRE, gre));
	Frame raw;
	Parsed_frame in = sv_io.take(&raw);
	ASSERT_TRUE(in.ipv4);
	EXPECT_EQ(in.dst, SERVER_MAC);
	EXPECT_EQ(in.src, ROUTER_MAC);
	EXPECT_EQ(in.ipv4->protocol, GRE);
	EXPECT_EQ(in.ipv4->src, CLIENT);
	EXPECT_TRUE(std::equal(std::begin(gre), std::end(gre), raw.begin() + long(in.ipv4->l4_offset)));
	EXPECT_EQ(b.router.link_count(), 0u);   /* no link state */

	/* the way back needs the servers' own rule */
	b.send(sv, build_ipv4({ SERVER_MAC, ROUTER_MAC }, { SERVER, CLIENT }, GRE, gre));
	Parsed_frame back = cl_io.take();
	ASSERT_TRUE(back.ipv4);
	EXPECT_EQ(back.dst, CLIENT_MAC);
	EXPECT_EQ(back.ipv4->src, SERVER);

	/* no NAT either: to the uplink (longest prefix: 192.168/16), through its gateway */
	b.send(cl, build_ipv4({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, ip("192.168.7.7") }, GRE, gre));
	Parsed_frame up_p = up_io.take();
	ASSERT_TRUE(up_p.ipv4);
	EXPECT_EQ(up_p.dst, GW_MAC);
	EXPECT_EQ(up_p.ipv4->src, CLIENT);

	/* without a rule: dropped and counted */
	b.send(sv, build_ipv4({ SERVER_MAC, ROUTER_MAC }, { SERVER, REMOTE }, GRE, gre));
	EXPECT_TRUE(up_io.sent.empty());
	EXPECT_EQ(b.router.route_drops(sv, Route_drop::NO_RULE), 1u);
}


TEST_F(Ip_rules, come_after_the_transport_rules)
{
	/* tcp port 7 has its rule (a link); port 9 falls through to the longest <ip> rule */
	b.send(cl, build_tcp({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, SERVER }, 1000, 7, 1, 0, Tcp_flag::SYN));
	EXPECT_EQ(sv_io.take().l4->dst_port, 7);
	EXPECT_EQ(b.router.link_count(), 1u);
	b.send(cl, build_tcp({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, SERVER }, 1001, 9, 1, 0, Tcp_flag::SYN));
	Parsed_frame p = sv_io.take();
	ASSERT_TRUE(p.l4);
	EXPECT_EQ(p.l4->dst_port, 9);
	EXPECT_EQ(b.router.link_count(), 1u);

	/* the tcp rule for 0/0 wins over the <ip> rule for the uplink: NAT applies */
	b.send(cl, build_tcp({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, ip("192.168.7.7") }, 1002, 80, 1, 0, Tcp_flag::SYN));
	EXPECT_EQ(up_io.take().ipv4->src, ROUTER_UP);
}


TEST(router_config, ip_rule_needs_a_known_domain)
{
	pugi::xml_document doc;
	ASSERT_TRUE(doc.load_string(R"(<config>
		<domain name="a" interface="10.0.0.1/24"><ip dst="10.1.0.0/16" domain="b"/></domain>
	</config>)"));
	Config_result r = parse_config(doc.first_child());
	EXPECT_FALSE(r.config);
	EXPECT_NE(r.error.find("unknown domain \"b\""), std::string::npos) << r.error;
}


TEST(router_arp, unanswered_request_is_sent_again_while_frames_wait)
{
	Bench b;
	b.load(CONFIG);
	Fake_io up_io, cl_io;
	Router::Id up = b.attach(up_io, "uplink");
	Router::Id cl = b.attach(cl_io, "client -> nic");
	b.arp_hello(cl, CLIENT_MAC, CLIENT, ROUTER_CL, cl_io);

	auto arp_request_for_gateway = [&] {
		Parsed_frame p = up_io.take();
		return p.arp && p.arp->op == Arp_op::REQUEST && p.arp->target_ip == GW;
	};
	uint8_t const q[] { 'q' };
	b.send(cl, build_udp({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, ip("1.1.1.1") }, 5353, 53, q));
	EXPECT_TRUE(arp_request_for_gateway());

	/* the first request was lost (the gateway was not up yet): asked again each ARP_RETRY_MS */
	b.advance(999);
	EXPECT_TRUE(up_io.sent.empty());
	b.advance(1);
	EXPECT_TRUE(arp_request_for_gateway());
	b.advance(1000);
	EXPECT_TRUE(arp_request_for_gateway());

	/* the answer lets the frame go; nothing is asked any more */
	b.send(up, build_arp({ GW_MAC, ROUTER_MAC }, Arp_op::REPLY, GW_MAC, GW, ROUTER_MAC, ROUTER_UP));
	Parsed_frame out = up_io.take();
	ASSERT_TRUE(out.l4);
	EXPECT_EQ(out.dst, GW_MAC);
	b.advance(1000);
	EXPECT_TRUE(up_io.sent.empty());
}
