/*
 * A DHCP client for lwIP (RFC 2131): Debian's liblwip is built without
 * lwIP's own, so the stack brings this one
 *
 * Debian's lwIP drops every datagram for an interface that has no address
 * yet (only a build with lwIP's DHCP accepts port 68 there), so the stack
 * takes DHCP replies off the received frames itself ('dhcp_payload') and
 * hands them to 'input'.
 *
 * It runs in lwIP's thread: DISCOVER, OFFER, REQUEST, ACK; the lease's
 * address, netmask (option 1) and router (option 3) go to the interface,
 * and the lease is renewed with a new REQUEST at half its time. Unanswered
 * messages are sent again after 1, 2, 4, 8 and then every 16 seconds
 * (RETRY_MAX_S); a NAK starts over. Replies are checked before anything in
 * them is used: the transaction id, our MAC address, the option area's
 * bounds (an option that runs past the end ends the parsing).
 */
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include <nestbox/session/nic.h>

struct netif;
struct udp_pcb;

namespace nestbox::Lwip {

	class Dhcp_client;

	/* What a DHCP reply says, parsed from its bytes (tests/nic/dhcp_test.cc) */
	struct Dhcp_reply
	{
		uint8_t  type = 0;               /* option 53: 2 OFFER, 5 ACK, 6 NAK */
		uint32_t xid = 0;
		uint32_t yiaddr = 0;             /* network byte order, as all addresses here */
		uint32_t server_id = 0;          /* option 54 */
		uint32_t netmask = 0;            /* option 1 */
		uint32_t router = 0;             /* option 3, the first */
		uint32_t lease_s = 0;            /* option 51 */
		Nic::Mac_address chaddr { };
	};

	std::optional<Dhcp_reply> parse_dhcp_reply(std::span<uint8_t const> message);

	/*
	 * The UDP payload of an Ethernet frame that carries an unfragmented
	 * IPv4 datagram to port 68 (a DHCP client's), or an empty span
	 */
	std::span<uint8_t const> dhcp_payload(std::span<std::byte const> frame);
}


class nestbox::Lwip::Dhcp_client
{
	public:

		static constexpr unsigned RETRY_MAX_S = 16;

		/* Called in lwIP's thread with each new address (network byte order; 0: none) */
		using Bound = std::function<void(uint32_t)>;

	private:

		::netif         &_netif;
		Nic::Mac_address _mac;
		Bound            _bound;
		::udp_pcb       *_pcb = nullptr;

		enum class State { SELECTING, REQUESTING, BOUND, RENEWING } _state = State::SELECTING;

		uint32_t _xid = 0;
		uint32_t _offered = 0, _server = 0;
		unsigned _retry_s = 1;

		void _send(uint8_t type);
		void _start();
		void _retry();
		void _received(Dhcp_reply const &);

		static void _timeout(void *);
		static void _renew(void *);

	public:

		/* Starts at once; lives as long as the interface */
		Dhcp_client(::netif &, Nic::Mac_address, Bound const &);
		~Dhcp_client();

		/* A message for port 68, in lwIP's thread (or with its core lock held) */
		void input(std::span<uint8_t const> message);

		Dhcp_client(Dhcp_client const &) = delete;
		Dhcp_client &operator = (Dhcp_client const &) = delete;
};
