/*
 * Unit tests of the DHCP parser and writer (src/lib/net/dhcp.cc): options
 * with their bounds, overload (option 52), concatenation, bad messages
 */
#include <gtest/gtest.h>

#include <nestbox/net/build.h>
#include <nestbox/net/frame.h>

using namespace nestbox::Net;

namespace {

	Mac_address const CLIENT { { 2, 0, 0, 0, 0, 0x11 } };

	/* a message with the fixed part, the cookie and then 'options' verbatim */
	std::vector<uint8_t> message(std::vector<uint8_t> const &options)
	{
		std::vector<uint8_t> m;
		Dhcp_writer(m, 1, 0x1234, CLIENT);
		m.insert(m.end(), options.begin(), options.end());
		return m;
	}

	Drop_reason parse(std::vector<uint8_t> const &m, Dhcp_message &out) { return parse_dhcp(m, out); }
	Drop_reason parse(std::vector<uint8_t> const &m) { Dhcp_message out; return parse_dhcp(m, out); }
}


TEST(net_dhcp, writer_round_trip_in_a_frame)
{
	std::vector<uint8_t> m;
	Ipv4_address const dns[] { { 0x01010101 }, { 0x08080808 } };
	Dhcp_writer(m, 2, 0xcafe, CLIENT)
		.yiaddr({ 0x0a000250 })
		.option_u8(Dhcp_option::MESSAGE_TYPE, Dhcp_type::OFFER)
		.option_ip(Dhcp_option::SERVER_ID, { 0x0a000201 })
		.option_ip(Dhcp_option::SUBNET_MASK, { 0xffffff00 })
		.option_ip(Dhcp_option::ROUTER, { 0x0a000201 })
		.option_u32(Dhcp_option::LEASE_TIME, 3600)
		.option_ips(Dhcp_option::DNS_SERVER, dns)
		.end();

	Frame f = build_udp({ { { 2, 0, 0, 0, 0, 1 } }, Mac_address::broadcast() },
	                    { { 0x0a000201 }, Ipv4_address::broadcast() },
	                    DHCP_SERVER_PORT, DHCP_CLIENT_PORT, m);
	Parsed_frame p;
	ASSERT_EQ(parse_frame(f, p), Drop_reason::NONE);
	ASSERT_TRUE(p.dhcp);
	EXPECT_EQ(p.dhcp->xid, 0xcafeu);
	EXPECT_EQ(p.dhcp->chaddr, CLIENT);
	EXPECT_EQ(p.dhcp->yiaddr.value, 0x0a000250u);
	auto const &o = p.dhcp->options;
	EXPECT_EQ(o.message_type, Dhcp_type::OFFER);
	EXPECT_EQ(o.server_id.value, 0x0a000201u);
	EXPECT_EQ(o.subnet_mask.value, 0xffffff00u);
	EXPECT_EQ(o.router.value, 0x0a000201u);
	EXPECT_EQ(o.lease_time, 3600u);
	ASSERT_EQ(o.dns_servers.size(), 2u);
	EXPECT_EQ(o.dns_servers[1].value, 0x08080808u);
}


TEST(net_dhcp, fixed_part_and_cookie)
{
	std::vector<uint8_t> m = message({ 53, 1, 1, 255 });
	EXPECT_EQ(parse(std::vector<uint8_t>(m.begin(), m.begin() + 239)), Drop_reason::DHCP_TRUNCATED);
	m[DHCP_FIXED] = 0;
	EXPECT_EQ(parse(m), Drop_reason::DHCP_MAGIC);
}


TEST(net_dhcp, option_bounds)
{
	/* an option whose length runs past the area */
	EXPECT_EQ(parse(message({ 53, 1, 1, 12, 10, 'a', 'b' })), Drop_reason::DHCP_OPTION_LENGTH);
	/* a code without its length byte at the very end */
	EXPECT_EQ(parse(message({ 53, 1, 1, 12 })), Drop_reason::DHCP_OPTION_LENGTH);
	/* fixed-size options with the wrong size */
	EXPECT_EQ(parse(message({ 53, 2, 1, 1, 255 })), Drop_reason::DHCP_OPTION_LENGTH);
	EXPECT_EQ(parse(message({ 53, 1, 1, 51, 3, 0, 0, 1, 255 })), Drop_reason::DHCP_OPTION_LENGTH);
	EXPECT_EQ(parse(message({ 53, 1, 1, 6, 5, 1, 1, 1, 1, 1, 255 })), Drop_reason::DHCP_OPTION_LENGTH);
	/* no end option */
	EXPECT_EQ(parse(message({ 53, 1, 1, 0, 0, 0 })), Drop_reason::DHCP_OPTION_UNTERMINATED);
	/* no message type, or one out of range */
	EXPECT_EQ(parse(message({ 255 })), Drop_reason::DHCP_MESSAGE_TYPE);
	EXPECT_EQ(parse(message({ 53, 1, 9, 255 })), Drop_reason::DHCP_MESSAGE_TYPE);
	/* pads and unknown options are skipped */
	Dhcp_message out;
	EXPECT_EQ(parse(message({ 0, 0, 200, 3, 1, 2, 3, 53, 1, 3, 255 }), out), Drop_reason::NONE);
	EXPECT_EQ(out.options.message_type, Dhcp_type::REQUEST);
}


TEST(net_dhcp, repeated_options_concatenate)
{
	Dhcp_message out;
	std::vector<uint8_t> opts { 53, 1, 1 };
	/* ten DNS servers in two options: the first DHCP_MAX_DNS are kept */
	for (unsigned n : { 4u, 6u }) {
		opts.push_back(6);
		opts.push_back(uint8_t(n * 4));
		for (unsigned i = 0; i < n; i++) { opts.insert(opts.end(), { 9, 9, 9, uint8_t(i) }); }
	}
	opts.insert(opts.end(), { 15, 3, 'a', 'b', '.', 15, 2, 'c', 'd', 255 });
	ASSERT_EQ(parse(message(opts), out), Drop_reason::NONE);
	EXPECT_EQ(out.options.dns_servers.size(), DHCP_MAX_DNS);
	EXPECT_EQ(out.options.domain_name, "ab.cd");
}


TEST(net_dhcp, overload_reads_file_then_sname)
{
	std::vector<uint8_t> m = message({ 52, 1, 3, 255 });
	/* the message type in 'file', the server id in 'sname' */
	uint8_t const file[] { 53, 1, 5, 255 };
	uint8_t const sname[] { 54, 4, 10, 0, 2, 1, 255 };
	std::copy(std::begin(file), std::end(file), m.begin() + DHCP_FILE_OFFSET);
	std::copy(std::begin(sname), std::end(sname), m.begin() + DHCP_SNAME_OFFSET);
	Dhcp_message out;
	ASSERT_EQ(parse(m, out), Drop_reason::NONE);
	EXPECT_EQ(out.options.message_type, Dhcp_type::ACK);
	EXPECT_EQ(out.options.server_id.value, 0x0a000201u);

	/* without overload, 'file' is not read for options */
	m = message({ 255 });
	std::copy(std::begin(file), std::end(file), m.begin() + DHCP_FILE_OFFSET);
	EXPECT_EQ(parse(m), Drop_reason::DHCP_MESSAGE_TYPE);
}


TEST(net_dhcp, overload_refused_where_it_could_loop)
{
	/* repeated in the options field */
	EXPECT_EQ(parse(message({ 53, 1, 1, 52, 1, 1, 52, 1, 1, 255 })), Drop_reason::DHCP_OPTION_OVERLOAD);
	/* a value other than 1, 2, 3, or a wrong length */
	EXPECT_EQ(parse(message({ 53, 1, 1, 52, 1, 4, 255 })), Drop_reason::DHCP_OPTION_OVERLOAD);
	EXPECT_EQ(parse(message({ 53, 1, 1, 52, 2, 1, 1, 255 })), Drop_reason::DHCP_OPTION_OVERLOAD);

	/* an overload inside the 'file' area it made an option area: a loop */
	std::vector<uint8_t> m = message({ 53, 1, 1, 52, 1, 1, 255 });
	uint8_t const file[] { 52, 1, 1, 255 };
	std::copy(std::begin(file), std::end(file), m.begin() + DHCP_FILE_OFFSET);
	EXPECT_EQ(parse(m), Drop_reason::DHCP_OPTION_OVERLOAD);

	/* an overloaded area without an end option */
	m = message({ 53, 1, 1, 52, 1, 2, 255 });
	std::fill(m.begin() + DHCP_SNAME_OFFSET, m.begin() + DHCP_SNAME_OFFSET + DHCP_SNAME_LENGTH, 0);
	EXPECT_EQ(parse(m), Drop_reason::DHCP_OPTION_UNTERMINATED);
}


TEST(net_dhcp, bad_dhcp_in_a_frame_is_a_drop)
{
	std::vector<uint8_t> m = message({ 53, 1, 1, 12, 200 });
	Frame f = build_udp({ CLIENT, Mac_address::broadcast() }, { { 0 }, Ipv4_address::broadcast() },
	                    DHCP_CLIENT_PORT, DHCP_SERVER_PORT, m);
	Parsed_frame p;
	EXPECT_EQ(parse_frame(f, p), Drop_reason::DHCP_OPTION_LENGTH);
	EXPECT_EQ(drop_reason_name(Drop_reason::DHCP_OPTION_LENGTH), "dhcp_option_length");
}
