/*
 * Unit tests of nic_router's logic with synthetic frames through fake
 * interfaces: ARP, ICMP echo, DHCP server and client, NAT, port forwarding,
 * isolation of domains, limits, timeouts, link state and reconfiguration
 */
#include "router_test_support.h"

using namespace Router_test;

namespace {

	Mac_address const GW_MAC = mac(1), CLIENT_MAC = mac(0x10), SERVER_MAC = mac(0x20);
	Ipv4_address const GW = ip("10.0.2.1"), ROUTER_UP = ip("10.0.2.55");
	Ipv4_address const CLIENT = ip("10.0.3.100"), ROUTER_CL = ip("10.0.3.1");
	Ipv4_address const SERVER = ip("10.0.1.80"), ROUTER_SV = ip("10.0.1.1");
	Ipv4_address const REMOTE = ip("93.184.216.34");

	/* an uplink with its gateway, a client and a server, each known by ARP */
	struct World : ::testing::Test
	{
		Bench b { };
		Fake_io up_io { }, cl_io { }, sv_io { };
		Router::Id up = 0, cl = 0, sv = 0;

		void SetUp() override
		{
			b.load(CONFIG);
			up = b.attach(up_io, "uplink");
			cl = b.attach(cl_io, "client -> nic");
			sv = b.attach(sv_io, "server -> nic");
			b.arp_hello(up, GW_MAC, GW, ROUTER_UP, up_io);
			b.arp_hello(cl, CLIENT_MAC, CLIENT, ROUTER_CL, cl_io);
			b.arp_hello(sv, SERVER_MAC, SERVER, ROUTER_SV, sv_io);
		}

		Frame from_client_tcp(uint16_t sport, Ipv4_address dst, uint16_t dport, uint8_t flags = Tcp_flag::SYN) {
			return build_tcp({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, dst }, sport, dport, 1, 0, flags); }

		Frame from_gateway_tcp(Ipv4_address src, uint16_t sport, uint16_t dport, uint8_t flags) {
			return build_tcp({ GW_MAC, ROUTER_MAC }, { src, ROUTER_UP }, sport, dport, 7, 2, flags); }
	};
}


TEST_F(World, arp_reply_and_icmp_echo)
{
	uint8_t const data[] { 'a', 'b', 'c' };
	b.send(cl, build_icmp_echo({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, ROUTER_CL },
	                           Icmp_type::ECHO_REQUEST, 42, 7, data));
	Frame raw;
	Parsed_frame p = cl_io.take(&raw);
	ASSERT_TRUE(p.l4);
	EXPECT_EQ(p.l4->icmp_type, Icmp_type::ECHO_REPLY);
	EXPECT_EQ(p.l4->icmp_id, 42);
	EXPECT_EQ(p.l4->icmp_seq, 7);
	EXPECT_EQ(p.ipv4->src, ROUTER_CL);
	EXPECT_EQ(p.dst, CLIENT_MAC);
	EXPECT_EQ(raw.back(), 'c');
	/* the other interfaces saw none of it */
	EXPECT_TRUE(up_io.sent.empty());
	EXPECT_TRUE(sv_io.sent.empty());
}


TEST_F(World, nic_clients_learn_link_state_of_their_domain)
{
	EXPECT_TRUE(cl_io.link);
	Fake_io lost;
	b.attach(lost, "nobody");   /* no policy: no domain, link down */
	EXPECT_FALSE(lost.link);
}


TEST_F(World, tcp_nat_to_the_uplink_and_back)
{
	b.send(cl, from_client_tcp(40000, REMOTE, 80));
	Frame raw;
	Parsed_frame out = up_io.take(&raw);
	ASSERT_TRUE(out.l4);
	EXPECT_EQ(out.ipv4->src, ROUTER_UP);
	EXPECT_EQ(out.ipv4->dst, REMOTE);
	EXPECT_EQ(out.l4->src_port, Router::NAT_PORT_FIRST);
	EXPECT_EQ(out.l4->dst_port, 80);
	EXPECT_EQ(out.dst, GW_MAC);       /* off-subnet: to the gateway */
	EXPECT_EQ(out.src, ROUTER_MAC);

	b.send(up, from_gateway_tcp(REMOTE, 80, Router::NAT_PORT_FIRST, Tcp_flag::SYN | Tcp_flag::ACK));
	Parsed_frame back = cl_io.take();
	ASSERT_TRUE(back.l4);
	EXPECT_EQ(back.ipv4->src, REMOTE);
	EXPECT_EQ(back.ipv4->dst, CLIENT);
	EXPECT_EQ(back.l4->dst_port, 40000);
	EXPECT_EQ(back.dst, CLIENT_MAC);

	/* tcp-ports="2": a second connection gets the next port, a third none */
	b.send(cl, from_client_tcp(40001, REMOTE, 80));
	EXPECT_EQ(up_io.take().l4->src_port, Router::NAT_PORT_FIRST + 1);
	b.send(cl, from_client_tcp(40002, REMOTE, 80));
	EXPECT_TRUE(up_io.sent.empty());
	EXPECT_EQ(b.router.route_drops(cl, Route_drop::NAT_PORTS), 1u);
	EXPECT_EQ(b.router.link_count(), 2u);

	/* a packet to the router's uplink address without a link is not let in */
	b.send(up, from_gateway_tcp(REMOTE, 80, 50000, Tcp_flag::ACK));
	EXPECT_TRUE(cl_io.sent.empty());
	EXPECT_EQ(b.router.route_drops(up, Route_drop::NO_RULE), 1u);

	std::string const report = b.router.report(b.now);
	EXPECT_NE(report.find("client=\"10.0.3.100:40000\" server=\"93.184.216.34:80\" to_domain=\"uplink\" nat=\"10.0.2.55:49152\""),
	          std::string::npos) << report;
	EXPECT_NE(report.find("reason=\"nat_ports\" count=\"1\""), std::string::npos) << report;
}


TEST_F(World, udp_and_icmp_nat)
{
	uint8_t const q[] { 'q' };
	b.send(cl, build_udp({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, ip("1.1.1.1") }, 5353, 53, q));
	Parsed_frame u = up_io.take();
	EXPECT_EQ(u.ipv4->src, ROUTER_UP);
	uint16_t const port = u.l4->src_port;
	b.send(up, build_udp({ GW_MAC, ROUTER_MAC }, { ip("1.1.1.1"), ROUTER_UP }, 53, port, q));
	Parsed_frame ur = cl_io.take();
	EXPECT_EQ(ur.l4->dst_port, 5353);
	EXPECT_EQ(ur.ipv4->dst, CLIENT);

	b.send(cl, build_icmp_echo({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, REMOTE }, Icmp_type::ECHO_REQUEST, 5, 1));
	Parsed_frame e = up_io.take();
	EXPECT_EQ(e.ipv4->src, ROUTER_UP);
	uint16_t const id = e.l4->icmp_id;
	b.send(up, build_icmp_echo({ GW_MAC, ROUTER_MAC }, { REMOTE, ROUTER_UP }, Icmp_type::ECHO_REPLY, id, 1));
	Parsed_frame er = cl_io.take();
	EXPECT_EQ(er.l4->icmp_type, Icmp_type::ECHO_REPLY);
	EXPECT_EQ(er.l4->icmp_id, 5);
	EXPECT_EQ(er.ipv4->dst, CLIENT);
}


TEST_F(World, port_forward_with_and_without_port_change)
{
	b.send(up, from_gateway_tcp(ip("10.0.2.1"), 33000, 8022, Tcp_flag::SYN));
	Parsed_frame in = sv_io.take();
	ASSERT_TRUE(in.l4);
	EXPECT_EQ(in.ipv4->dst, SERVER);
	EXPECT_EQ(in.l4->dst_port, 22);
	EXPECT_EQ(in.ipv4->src, GW);      /* no NAT for the uplink's side */
	EXPECT_EQ(in.dst, SERVER_MAC);

	b.send(sv, build_tcp({ SERVER_MAC, ROUTER_MAC }, { SERVER, GW }, 22, 33000, 9, 8,
	                     Tcp_flag::SYN | Tcp_flag::ACK));
	Parsed_frame out = up_io.take();
	EXPECT_EQ(out.ipv4->src, ROUTER_UP);
	EXPECT_EQ(out.l4->src_port, 8022);
	EXPECT_EQ(out.dst, GW_MAC);

	b.send(up, from_gateway_tcp(ip("10.0.2.1"), 33001, 80, Tcp_flag::SYN));
	EXPECT_EQ(sv_io.take().l4->dst_port, 80);

	/* a port without a forward */
	b.send(up, from_gateway_tcp(ip("10.0.2.1"), 33002, 81, Tcp_flag::SYN));
	EXPECT_TRUE(sv_io.sent.empty());
}


TEST_F(World, domains_reach_each_other_only_where_permitted)
{
	/* clients -> servers: port 7 is permitted by the longest-prefix rule */
	b.send(cl, from_client_tcp(40000, SERVER, 7));
	Parsed_frame p = sv_io.take();
	EXPECT_EQ(p.ipv4->src, CLIENT);   /* servers has no NAT rule for clients */
	EXPECT_EQ(p.l4->dst_port, 7);

	/* port 8: the /24 rule matches and does not permit it; no fallback to 0.0.0.0/0 */
	b.send(cl, from_client_tcp(40001, SERVER, 8));
	EXPECT_TRUE(sv_io.sent.empty());
	EXPECT_TRUE(up_io.sent.empty());
	EXPECT_EQ(b.router.route_drops(cl, Route_drop::NO_RULE), 1u);

	/* servers -> clients: no rule at all, except replies of the link above */
	b.send(sv, build_tcp({ SERVER_MAC, ROUTER_MAC }, { SERVER, CLIENT }, 7, 40000, 1, 2,
	                     Tcp_flag::SYN | Tcp_flag::ACK));
	EXPECT_EQ(cl_io.take().l4->dst_port, 40000);
	b.send(sv, build_tcp({ SERVER_MAC, ROUTER_MAC }, { SERVER, CLIENT }, 9, 40000, 1, 0, Tcp_flag::SYN));
	EXPECT_TRUE(cl_io.sent.empty());
	EXPECT_EQ(b.router.route_drops(sv, Route_drop::NO_RULE), 1u);
}


TEST_F(World, hostile_frames_are_counted_not_routed)
{
	Frame good = from_client_tcp(40000, REMOTE, 80);
	Frame truncated(good.begin(), good.begin() + 30);
	Frame bad_len = good; put_u16(bad_len, ETH_HEADER + 2, 1500);
	Frame bad_sum = good; bad_sum[ETH_HEADER + IPV4_HEADER + 4] ^= 1;
	Frame fragment = good; put_u16(fragment, ETH_HEADER + 6, 0x2000);
	fragment[ETH_HEADER + 10] = 0; fragment[ETH_HEADER + 11] = 0;
	put_u16(fragment, ETH_HEADER + 10, internet_checksum({ fragment.data() + ETH_HEADER, IPV4_HEADER }));
	std::vector<uint8_t> loop_dhcp;
	Dhcp_writer(loop_dhcp, 1, 1, CLIENT_MAC).option_u8(Dhcp_option::OVERLOAD, 1);
	loop_dhcp[DHCP_FILE_OFFSET] = Dhcp_option::OVERLOAD;
	loop_dhcp[DHCP_FILE_OFFSET + 1] = 1;
	loop_dhcp[DHCP_FILE_OFFSET + 2] = 1;
	loop_dhcp.push_back(Dhcp_option::END);
	Frame dhcp = build_udp({ CLIENT_MAC, Mac_address::broadcast() }, { { }, Ipv4_address::broadcast() },
	                       DHCP_CLIENT_PORT, DHCP_SERVER_PORT, loop_dhcp);

	for (Frame const &f : { truncated, bad_len, bad_sum, fragment, dhcp, Frame { } })
		b.send(cl, f);
	EXPECT_TRUE(up_io.sent.empty());
	EXPECT_TRUE(cl_io.sent.empty());
	EXPECT_EQ(b.router.parse_drops(cl, Drop_reason::IPV4_TRUNCATED), 1u);
	EXPECT_EQ(b.router.parse_drops(cl, Drop_reason::IPV4_TOTAL_LENGTH), 1u);
	EXPECT_EQ(b.router.parse_drops(cl, Drop_reason::TCP_CHECKSUM), 1u);
	EXPECT_EQ(b.router.parse_drops(cl, Drop_reason::IPV4_FRAGMENT), 1u);
	EXPECT_EQ(b.router.parse_drops(cl, Drop_reason::DHCP_OPTION_OVERLOAD), 1u);
	EXPECT_EQ(b.router.parse_drops(cl, Drop_reason::ETH_TRUNCATED), 1u);
	std::string const report = b.router.report(b.now);
	EXPECT_NE(report.find("reason=\"ipv4_fragment\" count=\"1\""), std::string::npos) << report;
	/* the interface hears of each drop with its reason (the component logs them rate-limited) */
	EXPECT_EQ(cl_io.drops, (std::vector<std::string> { "ipv4_truncated", "ipv4_total_length", "tcp_checksum",
	                                                    "ipv4_fragment", "dhcp_option_overload", "eth_truncated" }));
}


TEST_F(World, links_cost_the_client_quota)
{
	Fake_io small_io;
	Router::Id small = b.attach(small_io, "client -> small", Router::LINK_COST + 10);
	Mac_address const m = mac(0x30);
	Ipv4_address const a = ip("10.0.3.50");
	b.arp_hello(small, m, a, ROUTER_CL, small_io);
	uint8_t const q[] { 1 };
	b.send(small, build_udp({ m, ROUTER_MAC }, { a, ip("1.1.1.1") }, 1000, 53, q));
	EXPECT_EQ(up_io.sent.size(), 1u);
	EXPECT_EQ(b.router.quota_used(small), Router::LINK_COST);
	b.send(small, build_udp({ m, ROUTER_MAC }, { a, ip("1.1.1.1") }, 1001, 53, q));
	EXPECT_EQ(up_io.sent.size(), 1u);
	EXPECT_EQ(b.router.route_drops(small, Route_drop::QUOTA), 1u);

	/* the link's timeout gives the quota back */
	b.advance(30'000);
	EXPECT_EQ(b.router.quota_used(small), 0u);
	b.send(small, build_udp({ m, ROUTER_MAC }, { a, ip("1.1.1.1") }, 1001, 53, q));
	EXPECT_EQ(up_io.sent.size(), 2u);
}


TEST_F(World, udp_link_times_out)
{
	uint8_t const q[] { 'q' };
	b.send(cl, build_udp({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, ip("1.1.1.1") }, 5353, 53, q));
	uint16_t const port = up_io.take().l4->src_port;
	b.advance(29'000);
	EXPECT_EQ(b.router.link_count(), 1u);
	b.advance(1'000);
	EXPECT_EQ(b.router.link_count(), 0u);
	b.send(up, build_udp({ GW_MAC, ROUTER_MAC }, { ip("1.1.1.1"), ROUTER_UP }, 53, port, q));
	EXPECT_TRUE(cl_io.sent.empty());
}


TEST_F(World, tcp_link_closes_after_both_fins)
{
	b.send(cl, from_client_tcp(40000, REMOTE, 80));
	uint16_t const port = up_io.take().l4->src_port;
	b.send(cl, from_client_tcp(40000, REMOTE, 80, Tcp_flag::FIN | Tcp_flag::ACK));
	b.send(up, from_gateway_tcp(REMOTE, 80, port, Tcp_flag::FIN | Tcp_flag::ACK));
	EXPECT_EQ(b.router.link_count(), 1u);
	b.advance(2 * 15 * 1000);   /* two maximum segment lifetimes */
	EXPECT_EQ(b.router.link_count(), 0u);
}


TEST_F(World, arp_waiters_are_bounded_and_time_out)
{
	/* a next hop that never answers: the first frame waits, ARP is asked once */
	for (unsigned i = 0; i < Router::MAX_ARP_WAITERS + 1; i++)
		b.send(cl, from_client_tcp(uint16_t(41000 + i), SERVER, 7));
	b.send(cl, from_client_tcp(42000, ip("10.0.1.99"), 7));
	/* the server is known: its frames went out directly; 10.0.1.99 is not */
	EXPECT_EQ(sv_io.sent.size(), Router::MAX_ARP_WAITERS + 2);   /* 65 SYNs + one ARP request */
	for (unsigned i = 0; i < Router::MAX_ARP_WAITERS + 1; i++) sv_io.take();
	Parsed_frame arp = sv_io.take();
	ASSERT_TRUE(arp.arp);
	EXPECT_EQ(arp.arp->target_ip, ip("10.0.1.99"));

	/* a gateway that never answers: the waiters are bounded, then time out */
	b.load(R"(<config>
		<policy label_prefix="client" domain="clients"/>
		<policy label_prefix="uplink" domain="uplink"/>
		<domain name="clients" interface="10.0.3.1/24">
			<udp dst="0.0.0.0/0"><permit-any domain="uplink"/></udp>
		</domain>
		<domain name="uplink" interface="10.0.2.55/24" gateway="10.0.2.9"/>
	</config>)");
	size_t const before = b.router.quota_used(cl);
	uint8_t const q[] { 1 };
	for (unsigned i = 0; i < Router::MAX_ARP_WAITERS + 3; i++)
		b.send(cl, build_udp({ CLIENT_MAC, ROUTER_MAC }, { CLIENT, ip("1.1.1.1") }, uint16_t(2000 + i), 53, q));
	EXPECT_EQ(up_io.sent.size(), 1u);   /* one ARP request for the gateway */
	EXPECT_EQ(b.router.route_drops(cl, Route_drop::ARP_WAITER_LIMIT), 3u);
	EXPECT_GT(b.router.quota_used(cl), before);
	b.advance(Router::ARP_TIMEOUT_MS);
	EXPECT_EQ(b.router.route_drops(cl, Route_drop::ARP_TIMEOUT), Router::MAX_ARP_WAITERS);
}
