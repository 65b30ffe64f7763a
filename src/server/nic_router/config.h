/*
 * nic_router's configuration model: domains and their rules
 *
 * 'parse_config' turns the <config> node into a 'Config' and checks it as a
 * whole (names unique, every rule's domain defined, addresses inside their
 * subnets, ports in range); a config that fails is rejected with its reason
 * and the router keeps the one in force.
 */
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include <nestbox/net/dhcp.h>

namespace Nic_router {

	using namespace nestbox::Net;

	/* <permit port=… domain=…/>, or <permit-any domain=…/> as port 0 */
	struct Port_permit { uint16_t port; std::string domain; };

	/* <tcp dst=…> or <udp dst=…> with its permits */
	struct Transport_rule { Ipv4_cidr dst; std::vector<Port_permit> permits; };

	/* <icmp dst=… domain=…/> */
	struct Icmp_rule { Ipv4_cidr dst; std::string domain; };

	/* <ip dst=… domain=…/>: IPv4 of any protocol, without link state or NAT */
	struct Ip_rule { Ipv4_cidr dst; std::string domain; };

	/* <tcp-forward port=… domain=… to=… to_port=…/> */
	struct Forward_rule { uint16_t port; std::string domain; Ipv4_address to; uint16_t to_port; };

	/* <nat domain=… tcp-ports=… udp-ports=… icmp-ids=…/> */
	struct Nat_rule { std::string domain; unsigned tcp_ports, udp_ports, icmp_ids; };

	struct Dhcp_server_config
	{
		Ipv4_address first, last;
		uint32_t     lease_time_sec;
		std::vector<Ipv4_address> dns_servers;
		std::string  dns_domain;
	};

	struct Domain_config
	{
		std::string name;
		std::optional<Ipv4_cidr>    interface { };   /* none: DHCP client */
		std::optional<Ipv4_address> gateway { };
		std::optional<Dhcp_server_config> dhcp_server { };
		bool icmp_echo_server { true };

		std::vector<Transport_rule> tcp { }, udp { };
		std::vector<Icmp_rule>      icmp { };
		std::vector<Ip_rule>        ip { };
		std::vector<Forward_rule>   tcp_forward { }, udp_forward { };
		std::vector<Nat_rule>       nat { };

		Nat_rule const *nat_for(std::string const &source_domain) const;
	};

	struct Config
	{
		/* idle timeouts of links (Genode's names and defaults) */
		unsigned tcp_idle_timeout_sec      { 600 };
		unsigned udp_idle_timeout_sec      { 30 };
		unsigned icmp_idle_timeout_sec     { 10 };
		unsigned tcp_max_segm_lifetime_sec { 15 };

		unsigned dhcp_offer_timeout_sec    { 10 };
		unsigned dhcp_discover_timeout_sec { 10 };
		unsigned dhcp_request_timeout_sec  { 10 };

		std::vector<Domain_config> domains { };

		/* the <config> node, kept for selecting an interface's <policy> */
		std::shared_ptr<pugi::xml_document> xml { };

		Domain_config const *domain(std::string const &name) const;

		/* the domain a session label is assigned by policy, or "" */
		std::string domain_for_label(std::string const &label) const;
	};

	struct Config_result
	{
		std::optional<Config> config { };
		std::string error { };   /* why the config was rejected */
	};

	Config_result parse_config(pugi::xml_node config);
}
