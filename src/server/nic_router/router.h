/*
 * nic_router's logic: interfaces, domains, ARP, DHCP, NAT links, forwarding
 *
 * The router sees its network sessions only as 'Interface_io' (send a frame,
 * be told whether the link is up), so that the whole of its behaviour runs
 * in unit tests with synthetic frames. Time comes in as milliseconds with
 * each call ('receive', 'tick'): the router keeps no clock of its own.
 *
 * Everything the router keeps because of a client (a NAT link, a frame that
 * waits for ARP, a DHCP lease) is charged in bytes to the quota of the
 * interface that caused it; when the quota is spent, the request is refused
 * and counted, and other interfaces are not affected.
 */
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <nestbox/net/build.h>

#include "config.h"

namespace Nic_router {

	struct Interface_io
	{
		virtual ~Interface_io() = default;

		virtual void send(std::span<uint8_t const> frame) = 0;

		/* the router's view of the link: up while the interface's domain has an IP config */
		virtual void link_state(bool) { }

		/* a frame from or for this interface was dropped (the reason's report name) */
		virtual void dropped(std::string_view /* reason */) { }
	};

	/* why the router dropped a frame that parsed */
	enum class Route_drop : uint8_t;
	std::string_view route_drop_name(Route_drop);

	enum class Route_drop : uint8_t {
		NO_DOMAIN,          /* the interface has no domain (no policy matches) */
		DOMAIN_DOWN,        /* the domain has no IP config yet */
		NO_RULE,            /* no link, forward or rule routes it */
		NO_GATEWAY,         /* off-subnet destination in a domain without a gateway */
		ARP_WAITER_LIMIT,   /* too many frames wait for ARP in the target domain */
		ARP_TIMEOUT,        /* the next hop never answered ARP */
		QUOTA,              /* the interface's quota cannot pay for the link/waiter/lease */
		NAT_PORTS,          /* the NAT rule's ports or ids are all in use */
		DHCP_POOL,          /* no free address in the DHCP server's range */
		COUNT
	};

	std::string_view route_drop_name(Route_drop);

	class Router
	{
		public:

			/* limits, documented in the README */
			static constexpr size_t   LINK_COST = 256;           /* bytes per NAT link */
			static constexpr size_t   LEASE_COST = 128;          /* bytes per DHCP lease */
			static constexpr size_t   WAITER_OVERHEAD = 64;      /* plus the frame's size */
			static constexpr size_t   MAX_ARP_WAITERS = 64;      /* per domain */
			static constexpr size_t   MAX_ARP_CACHE = 1024;      /* per domain */
			static constexpr uint64_t ARP_TIMEOUT_MS = 3000;     /* a waiter's frame is dropped then */
			static constexpr uint64_t ARP_RETRY_MS = 1000;       /* an unanswered request is sent again */
			static constexpr uint16_t NAT_PORT_FIRST = 49152;    /* IANA's dynamic range */
			static constexpr uint16_t NAT_PORT_LAST = 65535;
			static constexpr uint64_t DHCP_MIN_RETRANSMIT_MS = 60000; /* renewing/rebinding (RFC 2131) */

			using Id = unsigned;

			Router(Mac_address router_mac) : _mac(router_mac) { }

			/* apply a config; the first call is the start-up */
			void apply_config(Config const &, uint64_t now_ms);

			Id   attach(Interface_io &, std::string const &label, size_t quota_bytes, uint64_t now_ms);
			void detach(Id);

			/* the peer's link went up or down (an uplink driver's link state) */
			void peer_link_state(Id, bool up, uint64_t now_ms);

			void receive(Id, std::span<uint8_t const> frame, uint64_t now_ms);

			/* timeouts: links, leases, ARP waiters, the DHCP client */
			void tick(uint64_t now_ms);

			/* the state report as XML (<state> with domains, interfaces, leases, links) */
			std::string report(uint64_t now_ms) const;

			/* for tests and the report */
			uint64_t parse_drops(Id, Drop_reason) const;
			uint64_t route_drops(Id, Route_drop) const;
			size_t   link_count() const { return _links.size(); }
			size_t   quota_used(Id) const;
			std::optional<Ipv4_cidr> domain_ip(std::string const &domain) const;

		private:

			struct Iface
			{
				Id              id;
				Interface_io   &io;
				std::string     label;
				size_t          quota;
				size_t          used { 0 };
				std::string     domain { };
				bool            peer_up { true };
				bool            told_up { false };
				Drop_counters   parse_drops { };
				std::array<uint64_t, size_t(Route_drop::COUNT)> route_drops { };
				uint64_t        rx_bytes { 0 }, tx_bytes { 0 };

				bool charge(size_t bytes) {
					if (bytes > quota - used) return false;
					used += bytes; return true; }
				void refund(size_t bytes) { used -= std::min(used, bytes); }
				void drop(Route_drop r) { route_drops[size_t(r)]++; io.dropped(route_drop_name(r)); }
			};

			struct Lease
			{
				Mac_address mac;
				uint64_t    expires_ms;
				bool        bound;
				Id          payer;
			};

			struct Arp_waiter
			{
				Ipv4_address next_hop;
				Frame        frame;
				Id           payer;
				uint64_t     deadline_ms;
			};

			enum class Dhcp_client_state { INIT, SELECTING, REQUESTING, BOUND, RENEWING, REBINDING };

			struct Domain
			{
				Domain_config cfg;
				std::optional<Ipv4_cidr>    ip { };
				std::optional<Ipv4_address> gateway { };
				std::vector<Ipv4_address>   dns { };
				std::map<Ipv4_address, Mac_address> arp { };
				std::deque<Arp_waiter>      waiters { };
				std::map<Ipv4_address, uint64_t> arp_asked { };  /* next hop waited for: when last asked */
				std::map<Ipv4_address, Lease> leases { };
				std::set<uint16_t>          nat_used[3] { };   /* tcp, udp, icmp */
				uint16_t                    nat_next[3] { NAT_PORT_FIRST, NAT_PORT_FIRST, NAT_PORT_FIRST };

				Dhcp_client_state dhcp_state { Dhcp_client_state::INIT };
				uint32_t          dhcp_xid { 0 };
				uint64_t          dhcp_deadline_ms { 0 };
				uint64_t          lease_end_ms { 0 };
				uint64_t          renew_ms { 0 }, rebind_ms { 0 };   /* T1, T2 of the lease */
				Ipv4_address      offered { }, offer_server { };
				Mac_address       server_mac { };                    /* where a renewal is unicast */
				uint64_t          rx_bytes { 0 }, tx_bytes { 0 };

				Domain(Domain_config const &c) : cfg(c) {
					if (c.interface) { ip = c.interface; gateway = c.gateway; } }
			};

			/* one side of a link: what a packet in that direction carries */
			struct Endpoints
			{
				Ipv4_address src, dst;
				uint16_t     src_port, dst_port;
				auto operator <=> (Endpoints const &) const = default;
			};

			struct Link_key
			{
				uint8_t     protocol;
				std::string domain;
				Endpoints   ends;
				auto operator <=> (Link_key const &) const = default;
			};

			struct Link
			{
				uint8_t     protocol;
				std::string client_domain;
				Id          client;        /* the interface that pays */
				Endpoints   client_ends;   /* as the client sent it */
				std::string server_domain;
				Endpoints   server_ends;   /* as it leaves to the server (after NAT/forward) */
				bool        nat;
				bool        forward;       /* made by a tcp-/udp-forward rule */
				uint64_t    last_ms;
				uint8_t     fins { 0 };    /* 1: client's FIN seen, 2: server's */
				uint64_t    closed_at_ms { 0 };
			};

			Mac_address const _mac;
			Config            _config { };
			std::map<std::string, Domain> _domains { };
			std::map<Id, Iface>  _ifaces { };
			Id                   _next_id { 1 };
			std::list<Link>      _links { };
			std::map<Link_key, std::list<Link>::iterator> _link_index { };
			uint32_t             _xid_seed { 0x6e657374 };

			Iface  *_iface(Id id) { auto i = _ifaces.find(id); return i == _ifaces.end() ? nullptr : &i->second; }
			Domain *_domain(std::string const &n) { auto d = _domains.find(n); return d == _domains.end() ? nullptr : &d->second; }

			/* router.cc */
			void _send(Iface &, std::span<uint8_t const>);
			void _send_domain(Domain &, std::span<uint8_t const>, Id except = 0);
			void _hub(Iface &, Domain &, std::span<uint8_t const>);
			void _handle_arp(Iface &, Domain &, Parsed_frame const &, std::span<uint8_t const>);
			void _handle_ipv4(Iface &, Domain &, Parsed_frame &, Frame &, uint64_t now);
			void _handle_echo(Iface &, Domain &, Parsed_frame const &, Frame const &);
			bool _route_new(Iface &, Domain &, Parsed_frame &, Frame &, uint64_t now);
			bool _route_by_ip_rules(Iface &, Domain &, Parsed_frame &, Frame &, uint64_t now);
			void _to_domain(Domain &, Id payer, Parsed_frame &, Frame &, uint64_t now);
			void _learn(Domain &, Ipv4_address, Mac_address);
			void _ask_arp(Domain &, Ipv4_address next_hop, uint64_t now);
			void _update_link_states();

			/* links.cc */
			uint64_t _idle_timeout_ms(uint8_t protocol) const;
			Link *_find_link(uint8_t protocol, std::string const &domain, Endpoints const &);
			bool _forward_by_link(Iface &, Domain &, Parsed_frame &, Frame &, uint64_t now);
			bool _forward_icmp_error(Domain &, Parsed_frame &, Frame &, Icmp_quote &, uint64_t now);
			Link *_create_link(Iface &, Domain &from, Domain &to, Parsed_frame &, Frame &,
			                   bool forward, uint64_t now);
			void _dissolve(std::list<Link>::iterator);
			bool _link_still_permitted(Link const &) const;
			std::string _target_by_rules(Domain_config const &, uint8_t protocol,
			                             Ipv4_address dst, uint16_t dst_port) const;

			/* dhcp.cc */
			void _dhcp_server(Iface &, Domain &, Parsed_frame const &, uint64_t now);
			void _dhcp_client(Domain &, Parsed_frame const &, uint64_t now);
			void _dhcp_client_bind(Domain &, Parsed_frame const &, uint64_t now);
			void _dhcp_client_tick(Domain &, uint64_t now);
			void _dhcp_client_send(Domain &, uint8_t type);
			void _drop_ip_config(Domain &);
			void _free_lease(Domain &, std::map<Ipv4_address, Lease>::iterator);
	};
}
