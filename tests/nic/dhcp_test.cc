/*
 * The DHCP client's parsers: replies as servers send them, and hostile ones
 */

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include <nestbox/lwip/dhcp.h>

using namespace nestbox;
using namespace nestbox::Lwip;

namespace {

std::vector<uint8_t> reply(std::vector<uint8_t> const &options, uint32_t xid = 0x12345678)
{
	std::vector<uint8_t> m(236, 0);
	m[0] = 2; m[1] = 1; m[2] = 6;
	m[4] = uint8_t(xid >> 24); m[5] = uint8_t(xid >> 16); m[6] = uint8_t(xid >> 8); m[7] = uint8_t(xid);
	m[16] = 10; m[17] = 0; m[18] = 9; m[19] = 55;                      /* yiaddr */
	uint8_t const mac[6] = { 2, 0, 0, 0, 0, 1 };
	std::memcpy(&m[28], mac, 6);
	for (uint8_t b : { 0x63, 0x82, 0x53, 0x63 }) m.push_back(b);
	m.insert(m.end(), options.begin(), options.end());
	return m;
}

uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t const bytes[4] = { a, b, c, d };
	uint32_t v;
	std::memcpy(&v, bytes, 4);
	return v;
}

}


TEST(Dhcp, parses_an_offer)
{
	auto r = parse_dhcp_reply(reply({ 53, 1, 2,  54, 4, 10, 0, 9, 1,  1, 4, 255, 255, 255, 0,
	                                  3, 8, 10, 0, 9, 1, 10, 0, 9, 2,  51, 4, 0, 0, 0x0e, 0x10,  255 }));
	ASSERT_TRUE(r);
	EXPECT_EQ(r->type, 2);
	EXPECT_EQ(r->xid, 0x12345678u);
	EXPECT_EQ(r->yiaddr, ip(10, 0, 9, 55));
	EXPECT_EQ(r->server_id, ip(10, 0, 9, 1));
	EXPECT_EQ(r->netmask, ip(255, 255, 255, 0));
	EXPECT_EQ(r->router, ip(10, 0, 9, 1));
	EXPECT_EQ(r->lease_s, 3600u);
	EXPECT_EQ(r->chaddr.string(), "02:00:00:00:00:01");
}


TEST(Dhcp, refuses_what_is_no_reply)
{
	EXPECT_FALSE(parse_dhcp_reply(std::vector<uint8_t>(100, 0)));        /* too short */
	auto m = reply({ 53, 1, 5, 255 });
	m[0] = 1;                                                            /* a request */
	EXPECT_FALSE(parse_dhcp_reply(m));
	m = reply({ 53, 1, 5, 255 });
	m[236] = 0;                                                          /* no magic cookie */
	EXPECT_FALSE(parse_dhcp_reply(m));
	EXPECT_FALSE(parse_dhcp_reply(reply({ 255 })));                      /* no message type */
}


TEST(Dhcp, an_option_past_the_end_ends_the_parsing)
{
	/* the length of the last option runs past the message: what came before counts */
	auto r = parse_dhcp_reply(reply({ 53, 1, 5, 1, 4, 255, 255, 255, 0, 3, 200, 10, 0 }));
	ASSERT_TRUE(r);
	EXPECT_EQ(r->type, 5);
	EXPECT_EQ(r->netmask, ip(255, 255, 255, 0));
	EXPECT_EQ(r->router, 0u);

	/* a code without its length byte, and options of the wrong size are ignored */
	r = parse_dhcp_reply(reply({ 53, 1, 5, 54, 3, 1, 2, 3, 51 }));
	ASSERT_TRUE(r);
	EXPECT_EQ(r->server_id, 0u);
	EXPECT_EQ(r->lease_s, 0u);

	/* pads only: no loop, no type */
	EXPECT_FALSE(parse_dhcp_reply(reply(std::vector<uint8_t>(300, 0))));
}


TEST(Dhcp, finds_the_payload_for_port_68_only)
{
	std::vector<uint8_t> const payload = { 1, 2, 3, 4 };
	auto frame = [&] (uint16_t port, uint16_t udp_len, uint8_t proto = 17, uint8_t frag = 0) {
		std::vector<std::byte> f(14 + 20 + 8 + payload.size());
		auto *b = reinterpret_cast<uint8_t *>(f.data());
		b[12] = 0x08; b[13] = 0x00;
		b[14] = 0x45; b[14 + 9] = proto; b[14 + 6] = frag;
		b[34 + 2] = uint8_t(port >> 8); b[34 + 3] = uint8_t(port);
		b[34 + 4] = uint8_t(udp_len >> 8); b[34 + 5] = uint8_t(udp_len);
		std::memcpy(b + 42, payload.data(), payload.size());
		return f;
	};
	auto f = frame(68, 12);
	auto p = dhcp_payload(f);
	ASSERT_EQ(p.size(), 4u);
	EXPECT_EQ(p[3], 4);

	f = frame(67, 12);        EXPECT_TRUE(dhcp_payload(f).empty());   /* another port */
	f = frame(68, 12, 6);     EXPECT_TRUE(dhcp_payload(f).empty());   /* TCP */
	f = frame(68, 13);        EXPECT_TRUE(dhcp_payload(f).empty());   /* longer than the frame */
	f = frame(68, 7);         EXPECT_TRUE(dhcp_payload(f).empty());   /* shorter than a header */
	f = frame(68, 12, 17, 0x20); EXPECT_TRUE(dhcp_payload(f).empty()); /* more fragments */
	f.resize(30);             EXPECT_TRUE(dhcp_payload(f).empty());   /* truncated */
}
