/*
 * Unit tests of nic_router's DHCP server and client, its link state and
 * live reconfiguration, with synthetic frames through fake interfaces
 */
#include "router_test_support.h"

using namespace Router_test;

namespace {

	Frame dhcp_request(Mac_address m, uint32_t xid, uint8_t type,
	                   std::optional<Ipv4_address> requested = { },
	                   std::optional<Ipv4_address> server = { })
	{
		std::vector<uint8_t> b;
		Dhcp_writer w(b, 1, xid, m);
		w.option_u8(Dhcp_option::MESSAGE_TYPE, type);
		if (requested) w.option_ip(Dhcp_option::REQUESTED_IP, *requested);
		if (server) w.option_ip(Dhcp_option::SERVER_ID, *server);
		w.end();
		return build_udp({ m, Mac_address::broadcast() }, { { }, Ipv4_address::broadcast() },
		                 DHCP_CLIENT_PORT, DHCP_SERVER_PORT, b);
	}

	Frame dhcp_reply(Dhcp_message const &req, uint8_t type, Ipv4_address yiaddr)
	{
		std::vector<uint8_t> b;
		Ipv4_address const server = ip("10.0.2.1");
		Ipv4_address const dns[] { ip("10.0.2.3") };
		Dhcp_writer w(b, 2, req.xid, req.chaddr);
		w.yiaddr(yiaddr)
		 .option_u8(Dhcp_option::MESSAGE_TYPE, type)
		 .option_ip(Dhcp_option::SERVER_ID, server)
		 .option_ip(Dhcp_option::SUBNET_MASK, ip("255.255.255.0"))
		 .option_ip(Dhcp_option::ROUTER, server)
		 .option_ips(Dhcp_option::DNS_SERVER, dns)
		 .option_u32(Dhcp_option::LEASE_TIME, 600)
		 .end();
		return build_udp({ mac(1), Mac_address::broadcast() }, { server, Ipv4_address::broadcast() },
		                 DHCP_SERVER_PORT, DHCP_CLIENT_PORT, b);
	}
}


TEST(router_dhcp, server_offers_acks_and_runs_out)
{
	Bench b;
	b.load(CONFIG);
	Fake_io io1, io2, io3;
	Router::Id c1 = b.attach(io1, "client -> a"), c2 = b.attach(io2, "client -> b"),
	           c3 = b.attach(io3, "client -> c");

	b.send(c1, dhcp_request(mac(0x10), 77, Dhcp_type::DISCOVER));
	Parsed_frame offer = io1.take();
	ASSERT_TRUE(offer.dhcp);
	EXPECT_EQ(offer.dhcp->xid, 77u);
	EXPECT_EQ(offer.dhcp->options.message_type, Dhcp_type::OFFER);
	EXPECT_EQ(offer.dhcp->yiaddr, ip("10.0.3.100"));
	EXPECT_EQ(offer.dhcp->options.server_id, ip("10.0.3.1"));
	EXPECT_EQ(offer.dhcp->options.router, ip("10.0.3.1"));
	EXPECT_EQ(offer.dhcp->options.subnet_mask, ip("255.255.255.0"));
	EXPECT_EQ(offer.dhcp->options.lease_time, 3600u);
	ASSERT_EQ(offer.dhcp->options.dns_servers.size(), 1u);
	EXPECT_EQ(offer.dhcp->options.dns_servers[0], ip("10.0.2.1"));

	b.send(c1, dhcp_request(mac(0x10), 77, Dhcp_type::REQUEST, ip("10.0.3.100"), ip("10.0.3.1")));
	Parsed_frame ack = io1.take();
	EXPECT_EQ(ack.dhcp->options.message_type, Dhcp_type::ACK);
	EXPECT_EQ(ack.dhcp->yiaddr, ip("10.0.3.100"));
	EXPECT_NE(b.router.report(b.now).find("ip=\"10.0.3.100\" mac=\"02:00:00:00:00:10\" state=\"bound\""),
	          std::string::npos);

	/* asking for an address it was not offered: NAK */
	b.send(c2, dhcp_request(mac(0x11), 78, Dhcp_type::REQUEST, ip("10.0.3.100"), ip("10.0.3.1")));
	EXPECT_EQ(io2.take().dhcp->options.message_type, Dhcp_type::NAK);

	b.send(c2, dhcp_request(mac(0x11), 79, Dhcp_type::DISCOVER));
	EXPECT_EQ(io2.take().dhcp->yiaddr, ip("10.0.3.101"));

	/* a range of two: the third client gets nothing, counted */
	b.send(c3, dhcp_request(mac(0x12), 80, Dhcp_type::DISCOVER));
	EXPECT_TRUE(io3.sent.empty());
	EXPECT_EQ(b.router.route_drops(c3, Route_drop::DHCP_POOL), 1u);

	/* an offer not taken up expires (dhcp_offer_timeout_sec, 10 s), then c3 gets it */
	b.advance(10'000);
	b.send(c3, dhcp_request(mac(0x12), 81, Dhcp_type::DISCOVER));
	EXPECT_EQ(io3.take().dhcp->yiaddr, ip("10.0.3.101"));

	/* a release frees the address and its quota */
	size_t const used = b.router.quota_used(c1);
	b.send(c1, dhcp_request(mac(0x10), 82, Dhcp_type::RELEASE));
	EXPECT_EQ(b.router.quota_used(c1), used - Router::LEASE_COST);
}


TEST(router_dhcp, client_configures_the_uplink_domain)
{
	Bench b;
	b.load(R"(<config>
		<policy label_prefix="uplink" domain="uplink"/>
		<policy label_prefix="client" domain="clients"/>
		<domain name="uplink"/>
		<domain name="clients" interface="10.0.3.1/24"/>
	</config>)");
	Fake_io up_io, cl_io;
	Router::Id up = b.attach(up_io, "uplink");
	b.attach(cl_io, "client");
	EXPECT_FALSE(up_io.link);
	EXPECT_TRUE(cl_io.link);

	Parsed_frame discover = up_io.take();
	ASSERT_TRUE(discover.dhcp);
	EXPECT_EQ(discover.dhcp->options.message_type, Dhcp_type::DISCOVER);
	EXPECT_EQ(discover.dhcp->chaddr, ROUTER_MAC);

	/* no answer: discover again after dhcp_discover_timeout_sec (10 s) */
	b.advance(10'000);
	discover = up_io.take();
	ASSERT_TRUE(discover.dhcp);

	b.send(up, dhcp_reply(*discover.dhcp, Dhcp_type::OFFER, ip("10.0.2.15")));
	Parsed_frame request = up_io.take();
	ASSERT_TRUE(request.dhcp);
	EXPECT_EQ(request.dhcp->options.message_type, Dhcp_type::REQUEST);
	EXPECT_EQ(request.dhcp->options.requested_ip, ip("10.0.2.15"));
	EXPECT_EQ(request.dhcp->options.server_id, ip("10.0.2.1"));

	b.send(up, dhcp_reply(*request.dhcp, Dhcp_type::ACK, ip("10.0.2.15")));
	ASSERT_TRUE(b.router.domain_ip("uplink"));
	EXPECT_EQ(b.router.domain_ip("uplink")->string(), "10.0.2.15/24");
	EXPECT_TRUE(up_io.link);
	std::string const report = b.router.report(b.now);
	EXPECT_NE(report.find("ipv4=\"10.0.2.15/24\" gw=\"10.0.2.1\""), std::string::npos) << report;
	EXPECT_NE(report.find("<dns ip=\"10.0.2.3\""), std::string::npos) << report;

	/* the uplink's link goes down: the address is gone; up again: DHCP again */
	b.router.peer_link_state(up, false, b.now);
	EXPECT_FALSE(b.router.domain_ip("uplink"));
	b.router.peer_link_state(up, true, b.now);
	EXPECT_EQ(up_io.take().dhcp->options.message_type, Dhcp_type::DISCOVER);
}


TEST(router_dhcp, client_lease_that_runs_out_takes_the_address)
{
	Bench b;
	b.load(R"(<config><policy label_prefix="uplink" domain="uplink"/><domain name="uplink"/></config>)");
	Fake_io up_io;
	Router::Id up = b.attach(up_io, "uplink");
	Parsed_frame discover = up_io.take();
	b.send(up, dhcp_reply(*discover.dhcp, Dhcp_type::OFFER, ip("10.0.2.15")));
	Parsed_frame request = up_io.take();
	b.send(up, dhcp_reply(*request.dhcp, Dhcp_type::ACK, ip("10.0.2.15")));
	ASSERT_TRUE(b.router.domain_ip("uplink"));
	b.advance(600'000);   /* the lease time of dhcp_reply */
	EXPECT_FALSE(b.router.domain_ip("uplink"));
	EXPECT_FALSE(up_io.link);
	EXPECT_EQ(up_io.take().dhcp->options.message_type, Dhcp_type::DISCOVER);
}


TEST(router_link, frames_are_not_sent_to_a_peer_whose_link_is_down)
{
	Bench b;
	b.load(CONFIG);
	Fake_io a, c;
	Router::Id ia = b.attach(a, "client -> a");
	Router::Id ic = b.attach(c, "client -> c");
	Frame const bcast = build_udp({ mac(0x10), Mac_address::broadcast() },
	                              { ip("10.0.3.100"), ip("10.0.3.255") }, 9, 9, { });
	b.send(ia, bcast);
	EXPECT_EQ(c.sent.size(), 1u);   /* the domain is a hub */
	b.router.peer_link_state(ic, false, b.now);
	b.send(ia, bcast);
	EXPECT_EQ(c.sent.size(), 1u);
}


TEST(router_config, bad_configs_are_rejected_with_a_reason)
{
	auto error = [] (char const *xml) {
		pugi::xml_document doc;
		doc.load_string(xml);
		return parse_config(doc.first_child()).error;
	};
	EXPECT_EQ(error("<config><domain name=\"a\" interface=\"10.0.0.1\"/></config>"),
	          "<domain name=\"a\">: interface=\"10.0.0.1\" is not an address with prefix (a.b.c.d/n)");
	EXPECT_EQ(error("<config><domain name=\"a\" interface=\"10.0.0.1/24\"><nat domain=\"b\" tcp-ports=\"1\"/></domain></config>"),
	          "<domain name=\"a\">: a rule names the unknown domain \"b\"");
	EXPECT_EQ(error("<config><domain name=\"a\"/><domain name=\"a\"/></config>"),
	          "domain \"a\" defined twice");
	EXPECT_EQ(error("<config><domain name=\"a\"><dhcp-server ip_first=\"10.0.0.2\" ip_last=\"10.0.0.3\"/></domain></config>"),
	          "<domain name=\"a\">: a DHCP server needs a static interface address");
	EXPECT_EQ(error("<config><domain name=\"a\" interface=\"10.0.0.1/24\"><dhcp-server ip_first=\"10.0.1.2\" ip_last=\"10.0.0.3\"/></domain></config>"),
	          "<dhcp-server>: ip_first..ip_last must be a range inside 10.0.0.1/24");
	EXPECT_EQ(error("<config><domain name=\"a\" interface=\"10.0.0.1/24\"><tcp-forward port=\"50000\" domain=\"a\" to=\"10.0.0.2\"/></domain></config>"),
	          "<tcp-forward>: port=\"50000\" is not a number from 0 to 49151");
	EXPECT_EQ(error("<config><domain name=\"a\" interface=\"10.0.0.1/24\" gateway=\"10.0.1.1\"/></config>"),
	          "<domain name=\"a\">: gateway 10.0.1.1 is not another host in 10.0.0.1/24");
	EXPECT_EQ(error("<config udp_idle_timeout_sec=\"-1\"/>"),
	          "<config>: udp_idle_timeout_sec=\"-1\" is not a number from 0 to 604800");
}


TEST(router_reconfig, removing_a_forward_closes_it_and_keeps_the_others)
{
	Bench b;
	b.load(CONFIG);
	Fake_io up_io, sv_io, cl_io;
	Router::Id up = b.attach(up_io, "uplink");
	Router::Id sv = b.attach(sv_io, "server -> nic");
	Router::Id cl = b.attach(cl_io, "client -> nic");
	Mac_address const gw = mac(1), srv = mac(0x20), cli = mac(0x10);
	b.arp_hello(up, gw, ip("10.0.2.1"), ip("10.0.2.55"), up_io);
	b.arp_hello(sv, srv, ip("10.0.1.80"), ip("10.0.1.1"), sv_io);
	b.arp_hello(cl, cli, ip("10.0.3.100"), ip("10.0.3.1"), cl_io);

	/* two forwarded connections and one NAT connection */
	for (uint16_t port : { 80, 8022 }) {
		b.send(up, build_tcp({ gw, ROUTER_MAC }, { ip("10.0.2.1"), ip("10.0.2.55") }, 33000, port, 1, 0, Tcp_flag::SYN));
		sv_io.take();
	}
	b.send(cl, build_tcp({ cli, ROUTER_MAC }, { ip("10.0.3.100"), ip("93.184.216.34") }, 40000, 443, 1, 0, Tcp_flag::SYN));
	up_io.take();
	EXPECT_EQ(b.router.link_count(), 3u);

	/* the same config without the forward of 8022 */
	std::string config = CONFIG;
	size_t const at = config.find("<tcp-forward port=\"8022\"");
	config.erase(at, config.find("/>", at) + 2 - at);
	b.load(config.c_str());
	EXPECT_EQ(b.router.link_count(), 2u);

	/* the server's reply on the removed forward goes nowhere */
	auto reply = [&] (uint16_t sport) {
		b.send(sv, build_tcp({ srv, ROUTER_MAC }, { ip("10.0.1.80"), ip("10.0.2.1") }, sport, 33000, 1, 2,
		                     Tcp_flag::SYN | Tcp_flag::ACK)); };
	reply(22);
	EXPECT_TRUE(up_io.sent.empty());
	/* the other forward and the NAT link still carry traffic */
	reply(80);
	EXPECT_EQ(up_io.take().l4->src_port, 80);
	b.send(up, build_tcp({ gw, ROUTER_MAC }, { ip("93.184.216.34"), ip("10.0.2.55") }, 443,
	                     Router::NAT_PORT_FIRST, 1, 2, Tcp_flag::SYN | Tcp_flag::ACK));
	EXPECT_EQ(cl_io.take().l4->dst_port, 40000);
	/* new connections to 8022 are refused, the sessions stayed up */
	b.send(up, build_tcp({ gw, ROUTER_MAC }, { ip("10.0.2.1"), ip("10.0.2.55") }, 33001, 8022, 1, 0, Tcp_flag::SYN));
	EXPECT_TRUE(sv_io.sent.empty());
	EXPECT_TRUE(sv_io.link);
	EXPECT_TRUE(cl_io.link);
}


TEST(router_reconfig, moving_a_client_to_another_domain_ends_its_links)
{
	Bench b;
	b.load(CONFIG);
	Fake_io up_io, cl_io;
	Router::Id up = b.attach(up_io, "uplink");
	Router::Id cl = b.attach(cl_io, "client -> nic");
	b.arp_hello(up, mac(1), ip("10.0.2.1"), ip("10.0.2.55"), up_io);
	b.arp_hello(cl, mac(0x10), ip("10.0.3.100"), ip("10.0.3.1"), cl_io);
	b.send(cl, build_tcp({ mac(0x10), ROUTER_MAC }, { ip("10.0.3.100"), ip("1.2.3.4") }, 40000, 443, 1, 0, Tcp_flag::SYN));
	EXPECT_EQ(b.router.link_count(), 1u);
	EXPECT_EQ(b.router.quota_used(cl), Router::LINK_COST);

	std::string config = CONFIG;
	config.replace(config.find("label_prefix=\"client\" domain=\"clients\""),
	               std::string("label_prefix=\"client\" domain=\"clients\"").size(),
	               "label_prefix=\"client\" domain=\"servers\"");
	b.load(config.c_str());
	EXPECT_EQ(b.router.link_count(), 0u);
	EXPECT_EQ(b.router.quota_used(cl), 0u);
	EXPECT_TRUE(cl_io.link);   /* still attached, now in "servers" */
}
