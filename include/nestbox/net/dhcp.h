/*
 * DHCP messages (RFC 2131) and their options (RFC 2132)
 *
 * The option parser walks each option area with its bounds: an option whose
 * length runs past the area, an area without an end option, or an option 52
 * ("overload") that is repeated, malformed or itself inside the sname/file
 * fields it makes option areas of, is an error with its reason. An overload
 * is followed once, in RFC 2131's order (options, then file, then sname), so
 * a message cannot make the parser loop. Options that occur more than once
 * are concatenated (RFC 3396) up to MAX_OPTION_BYTES.
 */
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nestbox/net/types.h>

namespace nestbox::Net {

	enum class Drop_reason : uint8_t;

	namespace Dhcp_type {
		enum : uint8_t { DISCOVER = 1, OFFER = 2, REQUEST = 3, DECLINE = 4,
		                 ACK = 5, NAK = 6, RELEASE = 7, INFORM = 8 };
	}

	namespace Dhcp_option {
		enum : uint8_t { PAD = 0, SUBNET_MASK = 1, ROUTER = 3, DNS_SERVER = 6,
		                 HOST_NAME = 12, DOMAIN_NAME = 15, BROADCAST = 28,
		                 REQUESTED_IP = 50, LEASE_TIME = 51, OVERLOAD = 52,
		                 MESSAGE_TYPE = 53, SERVER_ID = 54, PARAMETER_LIST = 55,
		                 RENEWAL_TIME = 58, REBINDING_TIME = 59, CLIENT_ID = 61,
		                 END = 255 };
	}

	constexpr size_t   DHCP_FIXED = 236;         /* BOOTP's fixed part */
	constexpr size_t   DHCP_SNAME_OFFSET = 44, DHCP_SNAME_LENGTH = 64;
	constexpr size_t   DHCP_FILE_OFFSET = 108, DHCP_FILE_LENGTH = 128;
	constexpr uint32_t DHCP_MAGIC_COOKIE = 0x63825363;
	constexpr size_t   DHCP_MAX_DNS = 8;         /* DNS servers kept of option 6 */

	/* the options a router needs, each with whether it was present */
	struct Dhcp_options
	{
		uint8_t      message_type { 0 };
		bool         has_subnet_mask { false }, has_router { false },
		             has_requested_ip { false }, has_server_id { false },
		             has_lease_time { false }, has_renewal_time { false },
		             has_rebinding_time { false };
		Ipv4_address subnet_mask { }, router { }, requested_ip { }, server_id { };
		uint32_t     lease_time { 0 };
		uint32_t     renewal_time { 0 }, rebinding_time { 0 };   /* T1, T2 (RFC 2131 4.4.5) */
		std::vector<Ipv4_address> dns_servers { };
		std::string  domain_name { };
		std::string  host_name { };
		uint8_t      overload { 0 };   /* option 52's value, if any */
	};

	struct Dhcp_message
	{
		uint8_t      op { 0 };        /* 1 request, 2 reply */
		uint32_t     xid { 0 };
		uint16_t     flags { 0 };
		Ipv4_address ciaddr { }, yiaddr { }, siaddr { }, giaddr { };
		Mac_address  chaddr { };
		Dhcp_options options { };
	};

	/*
	 * Parses the DHCP message in 'payload' (a UDP payload). Returns
	 * Drop_reason::NONE or why the message is not acceptable.
	 */
	Drop_reason parse_dhcp(std::span<uint8_t const> payload, Dhcp_message &out);

	/*
	 * Parses one option area into 'out' (exposed for the fuzz target and the
	 * tests; 'parse_dhcp' calls it for each area). 'allow_overload' is false
	 * for the sname and file areas.
	 */
	Drop_reason parse_dhcp_options(std::span<uint8_t const> area, Dhcp_options &out,
	                               bool allow_overload);

	/* writes a DHCP message: the fixed part, the cookie, then options */
	class Dhcp_writer
	{
		private:

			std::vector<uint8_t> &_buffer;
			size_t _fixed { 0 };   /* where the fixed part starts in '_buffer' */

			std::span<uint8_t> _fixed_part() { return { _buffer.data() + _fixed, DHCP_FIXED }; }

		public:

			/* appends the fixed part and the magic cookie to 'buffer' */
			Dhcp_writer(std::vector<uint8_t> &buffer, uint8_t op, uint32_t xid,
			            Mac_address chaddr);

			Dhcp_writer &ciaddr(Ipv4_address a);
			Dhcp_writer &yiaddr(Ipv4_address a);
			Dhcp_writer &siaddr(Ipv4_address a);
			Dhcp_writer &flags(uint16_t f);

			Dhcp_writer &option(uint8_t code, std::span<uint8_t const> data);
			Dhcp_writer &option_u8(uint8_t code, uint8_t v);
			Dhcp_writer &option_u32(uint8_t code, uint32_t v);
			Dhcp_writer &option_ip(uint8_t code, Ipv4_address a);
			Dhcp_writer &option_ips(uint8_t code, std::span<Ipv4_address const>);

			/* appends the end option */
			void end();
	};
}
