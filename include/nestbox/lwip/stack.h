/*
 * TCP/IP for a component: lwIP over its Nic session
 *
 *   Lwip::Stack stack { env, config.node() };
 *   std::thread server([&] {
 *       int s = lwip_socket(AF_INET, SOCK_STREAM, 0);
 *       lwip_bind(s, …); lwip_listen(s, 8);
 *       for (;;) { int c = lwip_accept(s, nullptr, nullptr); … }
 *   });
 *
 * The stack is lwIP as Debian builds it (liblwip-dev): its sys_arch runs
 * the protocol in a thread of its own ("tcpip_thread") with its timers,
 * and the BSD-like socket calls (lwip_socket, lwip_bind, lwip_connect,
 * lwip_accept, lwip_send, lwip_recv, lwip_sendto, lwip_recvfrom, lwip_poll,
 * lwip_close, …; <lwip/sockets.h>) block the calling thread, never the
 * entrypoint. So a component calls them from a thread of its own, and the
 * entrypoint stays free to move frames: it feeds lwIP from the Nic
 * session's rx stream; lwIP's thread sends on the tx stream.
 *
 * Config (attributes of the node given to the constructor):
 *
 *   address="10.0.9.2/24"  gateway="10.0.9.1"   a static address
 *   dhcp="yes"                                  a lease from a DHCP server
 *                                               (include/nestbox/lwip/dhcp.h)
 */
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include <pugixml.hpp>

#include <nestbox/env.h>
#include <nestbox/nic/connection.h>

struct netif;
struct pbuf;

namespace nestbox::Lwip {

	struct Ip4 { uint32_t addr = 0; /* in network byte order */ };

	/* "10.0.9.2", nullopt where it is not a dotted IPv4 address */
	std::optional<Ip4> parse_ip4(std::string_view);
	std::string        ip4_string(Ip4);

	struct Address_config
	{
		bool dhcp = false;
		Ip4  address { }, netmask { }, gateway { };
	};

	/* The address config of 'node', or an error ('problem' says what is wrong) */
	Result<Address_config> parse_address_config(pugi::xml_node node, std::string &problem);

	class Stack;
	class Dhcp_client;
}


class nestbox::Lwip::Stack
{
	private:

		Env &_env;

		Signal_handler<Stack> _nic_handler  { _env.ep(), *this, &Stack::_handle_nic };
		Signal_handler<Stack> _link_handler { _env.ep(), *this, &Stack::_handle_link };

		Nic::Connection _nic;

		::netif *_netif;   /* lwIP's, in its own memory */

		std::mutex              _mutex { };
		std::condition_variable _address_changed { };
		Ip4                     _address { };

		std::unique_ptr<Dhcp_client> _dhcp;

		uint64_t _rx_dropped = 0;

		void _handle_nic();
		void _handle_link();

		static int8_t _init_netif(::netif *);
		static int8_t _link_output(::netif *, ::pbuf *);
		void _set_address(Ip4);

	public:

		/* The address config is 'config' (see above); an invalid one ends the component */
		Stack(Env &, pugi::xml_node config, std::string_view nic_label = "");
		~Stack();

		Stack(Stack const &) = delete;
		Stack &operator = (Stack const &) = delete;

		Nic::Mac_address mac_address() { return _nic.mac_address(); }

		/* The interface's address now: 0 until DHCP got a lease */
		Ip4 address();

		/* Wait (in a socket thread, never the entrypoint) until the interface has an address */
		Ip4 wait_for_address();

		/* Frames the stack could not take (out of buffers) */
		uint64_t rx_dropped() const { return _rx_dropped; }
};
