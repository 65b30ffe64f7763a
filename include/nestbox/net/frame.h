/*
 * Parsing an Ethernet frame: Ethernet, ARP, IPv4, ICMP, UDP, TCP and DHCP
 *
 * 'parse_frame' reads a frame once, checks every length and checksum on the
 * way and fills a 'Parsed_frame' with the fields and offsets a router needs.
 * A frame that is not well-formed gives a 'Drop_reason' (never a read beyond
 * the frame): the caller drops it and counts the reason in 'Drop_counters'.
 * IPv4 fragments are dropped (reason 'ipv4_fragment'): nothing that parses
 * this way reassembles.
 */
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <nestbox/net/dhcp.h>
#include <nestbox/net/types.h>

namespace nestbox::Net {

	enum class Drop_reason : uint8_t {
		NONE,
		ETH_TRUNCATED,        /* shorter than an Ethernet header */
		ETH_TYPE,             /* neither ARP nor IPv4 (IPv6, VLAN tags, ...) */
		ARP_TRUNCATED,
		ARP_UNSUPPORTED,      /* not Ethernet/IPv4, or an operation other than request/reply */
		IPV4_TRUNCATED,
		IPV4_VERSION,
		IPV4_HEADER_LENGTH,   /* IHL below 5 or beyond the frame */
		IPV4_TOTAL_LENGTH,    /* total length below the header or beyond the frame */
		IPV4_CHECKSUM,
		IPV4_FRAGMENT,        /* more-fragments set or a fragment offset: not supported */
		ICMP_TRUNCATED,
		ICMP_CHECKSUM,
		UDP_TRUNCATED,
		UDP_LENGTH,           /* the UDP length disagrees with the IPv4 payload */
		UDP_CHECKSUM,
		TCP_TRUNCATED,
		TCP_DATA_OFFSET,      /* data offset below 5 or beyond the segment */
		TCP_CHECKSUM,
		DHCP_TRUNCATED,       /* shorter than BOOTP's fixed part */
		DHCP_MAGIC,           /* no DHCP magic cookie */
		DHCP_OPTION_LENGTH,   /* an option runs past its area */
		DHCP_OPTION_OVERLOAD, /* option 52 repeated, malformed or inside sname/file */
		DHCP_OPTION_UNTERMINATED, /* an option area without an end option */
		DHCP_MESSAGE_TYPE,    /* option 53 missing or out of range */
		COUNT
	};

	std::string_view drop_reason_name(Drop_reason);

	/* one counter per reason: what the router's state report lists */
	struct Drop_counters
	{
		std::array<uint64_t, size_t(Drop_reason::COUNT)> counts { };

		void count(Drop_reason r) { counts[size_t(r)]++; }
		uint64_t operator [] (Drop_reason r) const { return counts[size_t(r)]; }
		uint64_t total() const;
	};

	namespace Ether_type { enum : uint16_t { IPV4 = 0x0800, ARP = 0x0806 }; }
	namespace Ip_protocol { enum : uint8_t { ICMP = 1, TCP = 6, UDP = 17 }; }
	namespace Tcp_flag { enum : uint8_t { FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16 }; }
	namespace Icmp_type { enum : uint8_t { ECHO_REPLY = 0, DEST_UNREACHABLE = 3, ECHO_REQUEST = 8,
	                                      TIME_EXCEEDED = 11 }; }
	namespace Arp_op { enum : uint16_t { REQUEST = 1, REPLY = 2 }; }

	constexpr size_t ETH_HEADER = 14;
	constexpr size_t ARP_PACKET = 28;
	constexpr size_t IPV4_HEADER = 20;
	constexpr size_t UDP_HEADER = 8;
	constexpr size_t TCP_HEADER = 20;
	constexpr size_t ICMP_HEADER = 8;
	constexpr uint16_t DHCP_SERVER_PORT = 67;
	constexpr uint16_t DHCP_CLIENT_PORT = 68;

	struct Arp_fields
	{
		uint16_t     op { 0 };
		Mac_address  sender_mac { };
		Ipv4_address sender_ip { };
		Mac_address  target_mac { };
		Ipv4_address target_ip { };
	};

	struct Ipv4_fields
	{
		Ipv4_address src { }, dst { };
		uint8_t  protocol { 0 };
		uint8_t  ttl { 0 };
		size_t   header_length { 0 };   /* bytes */
		size_t   total_length { 0 };    /* bytes, header included */
		size_t   l4_offset { 0 };       /* offset of the payload in the frame */
		size_t   l4_length { 0 };
	};

	/* the ports of TCP/UDP, or the echo id of ICMP in 'src_port' and 'dst_port' */
	struct L4_fields
	{
		uint16_t src_port { 0 }, dst_port { 0 };
		uint8_t  icmp_type { 0 }, icmp_code { 0 };
		uint16_t icmp_id { 0 }, icmp_seq { 0 };
		uint8_t  tcp_flags { 0 };
		size_t   checksum_offset { 0 }; /* in the frame; 0 where there is none (UDP without) */
		size_t   payload_offset { 0 };  /* in the frame */
		size_t   payload_length { 0 };
	};

	struct Parsed_frame
	{
		Mac_address dst { }, src { };
		uint16_t    ether_type { 0 };

		std::optional<Arp_fields>   arp { };
		std::optional<Ipv4_fields>  ipv4 { };
		std::optional<L4_fields>    l4 { };
		std::optional<Dhcp_message> dhcp { };  /* a UDP datagram from or to port 67/68 */
	};

	/*
	 * The packet an ICMP error (destination unreachable, time exceeded)
	 * quotes: its IPv4 header and the first 8 bytes of its payload
	 * (RFC 792), enough for TCP/UDP ports or an ICMP echo's id.
	 */
	struct Icmp_quote
	{
		Ipv4_address src { }, dst { };
		uint8_t  protocol { 0 };
		uint16_t src_port { 0 }, dst_port { 0 };  /* ICMP echo: its id in both */
		size_t   ip_offset { 0 };                  /* of the quoted header, in the frame */
		size_t   l4_offset { 0 };
		size_t   end { 0 };                        /* end of the ICMP message, in the frame */
	};

	/*
	 * The quote of an ICMP error that 'parse_frame' accepted, if it is an
	 * error type and quotes an unfragmented TCP or UDP packet or an ICMP
	 * echo with a well-formed IPv4 header; nothing otherwise.
	 */
	std::optional<Icmp_quote> parse_icmp_quote(std::span<uint8_t const> frame,
	                                           Parsed_frame const &parsed);

	/*
	 * Parses 'frame' into 'out'. With 'check_checksums' false, the IPv4,
	 * ICMP, TCP and UDP checksums are not verified (frames built locally).
	 */
	Drop_reason parse_frame(std::span<uint8_t const> frame, Parsed_frame &out,
	                        bool check_checksums = true);
}
