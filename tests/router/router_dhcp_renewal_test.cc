/*
 * Unit tests of the router's DHCP client extending its lease (RFC 2131
 * 4.4.5): RENEWING at T1 (unicast to the server), REBINDING at T2
 * (broadcast), retransmission, NAK and the lease running out
 */
#include "router_test_support.h"

using namespace Router_test;

namespace {

	Ipv4_address const SERVER = ip("10.0.2.1"), OTHER_SERVER = ip("10.0.2.2");
	Ipv4_address const ADDRESS = ip("10.0.2.55");
	Mac_address  const SERVER_MAC = mac(1), OTHER_MAC = mac(2), CLIENT_MAC = mac(0x10);

	/* a UDP link lives longer than the leases here: only the address may end it */
	char const *const CONFIG_DHCP_UPLINK = R"(<config udp_idle_timeout_sec="100000">
		<policy label_prefix="uplink" domain="uplink"/>
		<policy label_prefix="client" domain="clients"/>
		<domain name="uplink">
			<nat domain="clients" udp-ports="4"/>
		</domain>
		<domain name="clients" interface="10.0.3.1/24">
			<udp dst="0.0.0.0/0"><permit-any domain="uplink"/></udp>
		</domain>
	</config>)";

	struct Times { uint32_t lease; std::optional<uint32_t> t1 { }, t2 { }; };

	struct Renewal : ::testing::Test
	{
		Bench b { };
		Fake_io up_io { }, cl_io { };
		Router::Id up = 0, cl = 0;

		Frame reply(Dhcp_message const &req, uint8_t type, Times t, Ipv4_address server = SERVER,
		            Mac_address server_mac = SERVER_MAC, bool unicast = false)
		{
			std::vector<uint8_t> buf;
			Dhcp_writer w(buf, 2, req.xid, req.chaddr);
			w.yiaddr(type == Dhcp_type::NAK ? Ipv4_address { } : ADDRESS)
			 .option_u8(Dhcp_option::MESSAGE_TYPE, type)
			 .option_ip(Dhcp_option::SERVER_ID, server);
			if (type != Dhcp_type::NAK) {
				w.option_ip(Dhcp_option::SUBNET_MASK, ip("255.255.255.0"))
				 .option_ip(Dhcp_option::ROUTER, SERVER)
				 .option_u32(Dhcp_option::LEASE_TIME, t.lease);
				if (t.t1) w.option_u32(Dhcp_option::RENEWAL_TIME, *t.t1);
				if (t.t2) w.option_u32(Dhcp_option::REBINDING_TIME, *t.t2);
			}
			w.end();
			return build_udp({ server_mac, unicast ? ROUTER_MAC : Mac_address::broadcast() },
			                 { server, unicast ? ADDRESS : Ipv4_address::broadcast() },
			                 DHCP_SERVER_PORT, DHCP_CLIENT_PORT, buf);
		}

		/* the next DHCP message the router sent to the uplink */
		Parsed_frame next_dhcp(Frame *raw = nullptr)
		{
			Parsed_frame p = up_io.take(raw);
			EXPECT_TRUE(p.dhcp);
			return p;
		}

		/* the uplink domain obtains its address with a lease of 'times' */
		void bind(Times times)
		{
			b.load(CONFIG_DHCP_UPLINK);
			up = b.attach(up_io, "uplink");
			cl = b.attach(cl_io, "client");
			Parsed_frame discover = next_dhcp();
			b.send(up, reply(*discover.dhcp, Dhcp_type::OFFER, times));
			Parsed_frame request = next_dhcp();
			ASSERT_EQ(request.dhcp->options.message_type, Dhcp_type::REQUEST);
			b.send(up, reply(*request.dhcp, Dhcp_type::ACK, times));
			ASSERT_TRUE(b.router.domain_ip("uplink"));
			ASSERT_TRUE(up_io.sent.empty());
		}

		/* a NAT link through the uplink: it must live as long as the address does */
		void make_link()
		{
			b.send(up, build_arp({ SERVER_MAC, Mac_address::broadcast() }, Arp_op::REQUEST,
			                     SERVER_MAC, SERVER, { }, ADDRESS));
			up_io.take();
			uint8_t const q[] { 'q' };
			b.send(cl, build_udp({ CLIENT_MAC, ROUTER_MAC }, { ip("10.0.3.100"), ip("1.1.1.1") }, 5353, 53, q));
			EXPECT_EQ(up_io.take().ipv4->src, ADDRESS);
			EXPECT_EQ(b.router.link_count(), 1u);
		}
	};
}


TEST_F(Renewal, renews_at_t1_by_unicast_and_keeps_the_address_and_links)
{
	bind({ .lease = 1000 });
	make_link();

	/* T1 is half the lease when the server names none */
	b.advance(499'000);
	EXPECT_TRUE(up_io.sent.empty());
	b.advance(1'000);
	Frame raw;
	Parsed_frame renew = next_dhcp(&raw);
	EXPECT_EQ(renew.dhcp->options.message_type, Dhcp_type::REQUEST);
	EXPECT_EQ(renew.dst, SERVER_MAC);              /* unicast to the server */
	EXPECT_EQ(renew.ipv4->dst, SERVER);
	EXPECT_EQ(renew.ipv4->src, ADDRESS);
	EXPECT_EQ(renew.dhcp->ciaddr, ADDRESS);
	EXPECT_FALSE(renew.dhcp->options.has_requested_ip);   /* RFC 2131 table 5: not in RENEWING */
	EXPECT_FALSE(renew.dhcp->options.has_server_id);

	/* the server's unicast ACK extends the lease: the next renewal is T1 after it */
	b.send(up, reply(*renew.dhcp, Dhcp_type::ACK, { .lease = 1000 }, SERVER, SERVER_MAC, true));
	EXPECT_EQ(b.router.domain_ip("uplink")->address, ADDRESS);
	EXPECT_EQ(b.router.link_count(), 1u);
	EXPECT_TRUE(cl_io.link);

	/* well past the first lease's end, the address is still ours */
	b.advance(499'000);
	EXPECT_TRUE(up_io.sent.empty());
	EXPECT_TRUE(b.router.domain_ip("uplink"));
	EXPECT_EQ(b.router.link_count(), 1u);
	b.advance(1'000);
	EXPECT_EQ(next_dhcp().dhcp->options.message_type, Dhcp_type::REQUEST);
}


TEST_F(Renewal, retransmits_then_rebinds_by_broadcast_at_t2)
{
	bind({ .lease = 1000, .t1 = 400, .t2 = 800 });

	b.advance(400'000);
	Parsed_frame renew = next_dhcp();
	EXPECT_EQ(renew.ipv4->dst, SERVER);

	/* no answer: again after half the time left until T2 (200 s) */
	b.advance(199'000);
	EXPECT_TRUE(up_io.sent.empty());
	b.advance(1'000);
	Parsed_frame again = next_dhcp();
	EXPECT_EQ(again.ipv4->dst, SERVER);
	EXPECT_EQ(again.dhcp->xid, renew.dhcp->xid);

	/* then at least 60 s apart, and at T2 (800 s) rebinding: broadcast, a new xid */
	b.advance(100'000);
	EXPECT_EQ(next_dhcp().ipv4->dst, SERVER);
	b.advance(100'000);
	Parsed_frame rebind = next_dhcp();
	EXPECT_EQ(rebind.dst, Mac_address::broadcast());
	EXPECT_EQ(rebind.ipv4->dst, Ipv4_address::broadcast());
	EXPECT_EQ(rebind.ipv4->src, ADDRESS);
	EXPECT_EQ(rebind.dhcp->ciaddr, ADDRESS);
	EXPECT_FALSE(rebind.dhcp->options.has_server_id);
	EXPECT_NE(rebind.dhcp->xid, renew.dhcp->xid);
	EXPECT_TRUE(b.router.domain_ip("uplink"));

	/* another server answers: its lease counts, and the next renewal goes to it */
	b.send(up, reply(*rebind.dhcp, Dhcp_type::ACK, { .lease = 1000, .t1 = 300 }, OTHER_SERVER, OTHER_MAC));
	b.advance(300'000);
	Parsed_frame next = next_dhcp();
	EXPECT_EQ(next.dst, OTHER_MAC);
	EXPECT_EQ(next.ipv4->dst, OTHER_SERVER);
}


TEST_F(Renewal, lease_ends_without_an_answer_then_discovers)
{
	bind({ .lease = 1000 });
	make_link();
	b.advance(500'000);
	next_dhcp();
	b.advance(375'000);   /* T2: 875 s */
	while (!up_io.sent.empty()) next_dhcp();
	EXPECT_TRUE(b.router.domain_ip("uplink"));

	b.advance(125'000);   /* the lease's end */
	EXPECT_FALSE(b.router.domain_ip("uplink"));
	EXPECT_EQ(b.router.link_count(), 0u);
	EXPECT_FALSE(up_io.link);
	Parsed_frame discover;
	while (!up_io.sent.empty()) discover = next_dhcp();
	EXPECT_EQ(discover.dhcp->options.message_type, Dhcp_type::DISCOVER);
}


TEST_F(Renewal, nak_while_renewing_gives_up_the_address)
{
	bind({ .lease = 1000 });
	make_link();
	b.advance(500'000);
	Parsed_frame renew = next_dhcp();
	b.send(up, reply(*renew.dhcp, Dhcp_type::NAK, { .lease = 0 }, SERVER, SERVER_MAC, true));
	EXPECT_FALSE(b.router.domain_ip("uplink"));
	EXPECT_EQ(b.router.link_count(), 0u);
	b.advance(0);
	EXPECT_EQ(next_dhcp().dhcp->options.message_type, Dhcp_type::DISCOVER);
}


TEST(router_dhcp_options, renewal_and_rebinding_times_parse)
{
	std::vector<uint8_t> buf;
	Dhcp_writer w(buf, 2, 1, mac(1));
	w.option_u8(Dhcp_option::MESSAGE_TYPE, Dhcp_type::ACK)
	 .option_u32(Dhcp_option::RENEWAL_TIME, 100)
	 .option_u32(Dhcp_option::REBINDING_TIME, 175)
	 .end();
	Dhcp_message m;
	ASSERT_EQ(parse_dhcp(buf, m), Drop_reason::NONE);
	EXPECT_TRUE(m.options.has_renewal_time);
	EXPECT_EQ(m.options.renewal_time, 100u);
	EXPECT_TRUE(m.options.has_rebinding_time);
	EXPECT_EQ(m.options.rebinding_time, 175u);

	uint8_t const short_t1[] { 0, 1 };
	std::vector<uint8_t> bad;
	Dhcp_writer w2(bad, 2, 1, mac(1));
	w2.option_u8(Dhcp_option::MESSAGE_TYPE, Dhcp_type::ACK).option(Dhcp_option::RENEWAL_TIME, short_t1).end();
	EXPECT_EQ(parse_dhcp(bad, m), Drop_reason::DHCP_OPTION_LENGTH);
}
