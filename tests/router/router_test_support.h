/*
 * A test bench for nic_router's logic: fake interfaces that record what the
 * router sends, and helpers that build the frames peers send
 */
#pragma once

#include <gtest/gtest.h>

#include <nestbox/net/checksum.h>

#include <router.h>

namespace Router_test {

	using namespace Nic_router;

	inline Mac_address const ROUTER_MAC { { 2, 0x4e, 0x42, 0, 0, 1 } };

	inline Ipv4_address ip(char const *s) { return *Ipv4_address::from_string(s); }

	inline Mac_address mac(uint8_t last) { return { { 2, 0, 0, 0, 0, last } }; }

	struct Fake_io : Interface_io
	{
		std::vector<Frame> sent { };
		bool link = false;

		void send(std::span<uint8_t const> f) override { sent.emplace_back(f.begin(), f.end()); }
		std::vector<std::string> drops { };
		void link_state(bool up) override { link = up; }
		void dropped(std::string_view reason) override { drops.emplace_back(reason); }

		/* the oldest frame not yet taken, parsed with checksums checked */
		Parsed_frame take(Frame *raw = nullptr)
		{
			EXPECT_FALSE(sent.empty());
			Parsed_frame p;
			if (sent.empty()) return p;
			Frame f = sent.front();
			sent.erase(sent.begin());
			EXPECT_EQ(parse_frame(f, p), Drop_reason::NONE);
			if (raw) *raw = f;
			return p;
		}
	};

	struct Bench
	{
		Router   router { ROUTER_MAC };
		uint64_t now { 1000 };

		void load(char const *xml)
		{
			pugi::xml_document doc;
			ASSERT_TRUE(doc.load_string(xml));
			Config_result r = parse_config(doc.first_child());
			ASSERT_TRUE(r.config) << r.error;
			router.apply_config(*r.config, now);
		}

		Router::Id attach(Fake_io &io, char const *label, size_t quota = 1 << 20) {
			return router.attach(io, label, quota, now); }

		void send(Router::Id id, Frame const &f) { router.receive(id, f, now); }

		void advance(uint64_t ms) { now += ms; router.tick(now); }

		/* a peer announces itself by asking for the router's address */
		void arp_hello(Router::Id id, Mac_address m, Ipv4_address a, Ipv4_address router_ip, Fake_io &io)
		{
			send(id, build_arp({ m, Mac_address::broadcast() }, Arp_op::REQUEST, m, a, { }, router_ip));
			Parsed_frame reply = io.take();
			ASSERT_TRUE(reply.arp);
			EXPECT_EQ(reply.arp->op, Arp_op::REPLY);
			EXPECT_EQ(reply.arp->sender_mac, ROUTER_MAC);
		}
	};

	/* the config most tests use */
	inline char const *const CONFIG = R"(
	<config udp_idle_timeout_sec="30" tcp_idle_timeout_sec="600">
		<policy label_prefix="uplink" domain="uplink"/>
		<policy label_prefix="server" domain="servers"/>
		<policy label_prefix="client" domain="clients"/>
		<domain name="uplink" interface="10.0.2.55/24" gateway="10.0.2.1">
			<nat domain="clients" tcp-ports="2" udp-ports="4" icmp-ids="2"/>
			<tcp-forward port="80" domain="servers" to="10.0.1.80"/>
			<tcp-forward port="8022" domain="servers" to="10.0.1.80" to_port="22"/>
		</domain>
		<domain name="clients" interface="10.0.3.1/24">
			<dhcp-server ip_first="10.0.3.100" ip_last="10.0.3.101" lease_time_sec="3600" dns_server="10.0.2.1"/>
			<tcp dst="0.0.0.0/0"><permit-any domain="uplink"/></tcp>
			<udp dst="0.0.0.0/0"><permit-any domain="uplink"/></udp>
			<icmp dst="0.0.0.0/0" domain="uplink"/>
			<tcp dst="10.0.1.0/24"><permit port="7" domain="servers"/></tcp>
		</domain>
		<domain name="servers" interface="10.0.1.1/24">
			<dhcp-server ip_first="10.0.1.80" ip_last="10.0.1.90"/>
		</domain>
	</config>)";
}
