/*
 * nic_router's DHCP server (per domain with <dhcp-server>) and DHCP client
 * (per domain without a static 'interface')
 */
#include "router.h"

using namespace Nic_router;


static unsigned prefix_of(Ipv4_address mask)
{
	unsigned n = 0;
	while (n < 32 && (mask.value & (0x80000000u >> n))) n++;
	/* a mask with holes is not a prefix */
	return Ipv4_cidr { { }, n }.mask() == mask.value ? n : 33;
}


void Router::_free_lease(Domain &d, std::map<Ipv4_address, Lease>::iterator it)
{
	if (Iface *payer = _iface(it->second.payer)) payer->refund(LEASE_COST);
	d.leases.erase(it);
}


void Router::_dhcp_server(Iface &i, Domain &d, Parsed_frame const &p, uint64_t now)
{
	Dhcp_message const &m = *p.dhcp;
	Dhcp_server_config const &cfg = *d.cfg.dhcp_server;

	auto lease_of = [&] (Mac_address mac) {
		for (auto it = d.leases.begin(); it != d.leases.end(); ++it)
			if (it->second.mac == mac) return it;
		return d.leases.end();
	};
	auto reply = [&] (uint8_t type, Ipv4_address ip) {
		std::vector<uint8_t> b;
		Dhcp_writer w(b, 2, m.xid, m.chaddr);
		w.yiaddr(ip).siaddr(d.ip->address).flags(m.flags)
		 .option_u8(Dhcp_option::MESSAGE_TYPE, type)
		 .option_ip(Dhcp_option::SERVER_ID, d.ip->address);
		if (type != Dhcp_type::NAK) {
			w.option_u32(Dhcp_option::LEASE_TIME, cfg.lease_time_sec)
			 .option_ip(Dhcp_option::SUBNET_MASK, { d.ip->mask() })
			 .option_ip(Dhcp_option::ROUTER, d.ip->address);
			if (!cfg.dns_servers.empty()) w.option_ips(Dhcp_option::DNS_SERVER, cfg.dns_servers);
			if (!cfg.dns_domain.empty())
				w.option(Dhcp_option::DOMAIN_NAME, std::span((uint8_t const *)cfg.dns_domain.data(),
				                                             cfg.dns_domain.size()));
		}
		w.end();
		/* to the broadcast address: the client has no address to receive unicast on yet */
		_send(i, build_udp({ _mac, m.chaddr }, { d.ip->address, Ipv4_address::broadcast() },
		                   DHCP_SERVER_PORT, DHCP_CLIENT_PORT, b));
	};

	switch (m.options.message_type) {
	case Dhcp_type::DISCOVER: {
		auto it = lease_of(m.chaddr);
		if (it == d.leases.end()) {
			std::optional<Ipv4_address> free;
			for (uint32_t a = cfg.first.value; a <= cfg.last.value && !free; a++)
				if (a != d.ip->address.value && !d.leases.contains({ a })) free = Ipv4_address { a };
			if (!free) { i.drop(Route_drop::DHCP_POOL); return; }
			if (!i.charge(LEASE_COST)) { i.drop(Route_drop::QUOTA); return; }
			it = d.leases.emplace(*free, Lease { m.chaddr, 0, false, i.id }).first;
		}
		if (!it->second.bound)
			it->second.expires_ms = now + uint64_t(_config.dhcp_offer_timeout_sec) * 1000;
		reply(Dhcp_type::OFFER, it->first);
		return;
	}
	case Dhcp_type::REQUEST: {
		auto it = lease_of(m.chaddr);
		if (m.options.has_server_id && m.options.server_id != d.ip->address) {
			/* the client took another server's offer */
			if (it != d.leases.end() && !it->second.bound) _free_lease(d, it);
			return;
		}
		Ipv4_address const want = m.options.has_requested_ip ? m.options.requested_ip : m.ciaddr;
		if (it == d.leases.end() || it->first != want) {
			reply(Dhcp_type::NAK, { });
			return;
		}
		it->second.bound = true;
		it->second.expires_ms = now + uint64_t(cfg.lease_time_sec) * 1000;
		_learn(d, want, m.chaddr);
		reply(Dhcp_type::ACK, want);
		return;
	}
	case Dhcp_type::RELEASE:
	case Dhcp_type::DECLINE: {
		auto it = lease_of(m.chaddr);
		if (it != d.leases.end()) _free_lease(d, it);
		return;
	}
	}
}


void Router::_dhcp_client_send(Domain &d, uint8_t type)
{
	std::vector<uint8_t> b;
	Dhcp_writer w(b, 1, d.dhcp_xid, _mac);
	w.flags(0x8000).option_u8(Dhcp_option::MESSAGE_TYPE, type);
	if (type == Dhcp_type::REQUEST)
		w.option_ip(Dhcp_option::REQUESTED_IP, d.offered).option_ip(Dhcp_option::SERVER_ID, d.offer_server);
	uint8_t const wanted[] { Dhcp_option::SUBNET_MASK, Dhcp_option::ROUTER,
	                         Dhcp_option::DNS_SERVER, Dhcp_option::DOMAIN_NAME };
	w.option(Dhcp_option::PARAMETER_LIST, wanted).end();
	_send_domain(d, build_udp({ _mac, Mac_address::broadcast() }, { { }, Ipv4_address::broadcast() },
	                          DHCP_CLIENT_PORT, DHCP_SERVER_PORT, b));
}


void Router::_dhcp_client(Domain &d, Parsed_frame const &p, uint64_t now)
{
	Dhcp_message const &m = *p.dhcp;
	if (m.xid != d.dhcp_xid || m.chaddr != _mac) return;

	switch (m.options.message_type) {
	case Dhcp_type::OFFER:
		if (d.dhcp_state != Dhcp_client_state::SELECTING || m.yiaddr.is_unspecified()) return;
		d.offered = m.yiaddr;
		d.offer_server = m.options.has_server_id ? m.options.server_id : m.siaddr;
		d.dhcp_state = Dhcp_client_state::REQUESTING;
		d.dhcp_deadline_ms = now + uint64_t(_config.dhcp_request_timeout_sec) * 1000;
		_dhcp_client_send(d, Dhcp_type::REQUEST);
		return;

	case Dhcp_type::ACK: {
		if (d.dhcp_state != Dhcp_client_state::REQUESTING) return;
		unsigned const prefix = m.options.has_subnet_mask ? prefix_of(m.options.subnet_mask) : 33;
		/* Genode's router needs address, mask and lease time; without them: start over */
		if (m.yiaddr.is_unspecified() || prefix == 0 || prefix > 30 || !m.options.has_lease_time) {
			d.dhcp_state = Dhcp_client_state::INIT;
			d.dhcp_deadline_ms = now;
			return;
		}
		d.ip = Ipv4_cidr { m.yiaddr, prefix };
		d.gateway.reset();
		if (m.options.has_router && d.ip->contains(m.options.router)) d.gateway = m.options.router;
		d.dns = m.options.dns_servers;
		d.lease_end_ms = now + uint64_t(m.options.lease_time) * 1000;
		d.dhcp_state = Dhcp_client_state::BOUND;
		_update_link_states();
		return;
	}
	case Dhcp_type::NAK:
		d.dhcp_state = Dhcp_client_state::INIT;
		d.dhcp_deadline_ms = now;
		return;
	}
}


void Router::_dhcp_client_tick(Domain &d, uint64_t now)
{
	if (d.cfg.interface) return;
	if (d.dhcp_state == Dhcp_client_state::BOUND) {
		if (now < d.lease_end_ms) return;
		/* the lease ran out: the address is no longer ours (no renewal yet, see README) */
		_drop_ip_config(d);
	}
	if (d.dhcp_state != Dhcp_client_state::INIT && now < d.dhcp_deadline_ms) return;

	bool any_up = false;
	for (auto &[id, i] : _ifaces) any_up |= i.domain == d.cfg.name && i.peer_up;
	if (!any_up) return;

	d.dhcp_xid = _xid_seed = _xid_seed * 1103515245u + 12345u;
	d.dhcp_state = Dhcp_client_state::SELECTING;
	d.dhcp_deadline_ms = now + uint64_t(_config.dhcp_discover_timeout_sec) * 1000;
	_dhcp_client_send(d, Dhcp_type::DISCOVER);
}


void Router::_drop_ip_config(Domain &d)
{
	for (auto it = _links.begin(); it != _links.end(); ) {
		auto next = std::next(it);
		if (it->client_domain == d.cfg.name || it->server_domain == d.cfg.name) _dissolve(it);
		it = next;
	}
	for (Arp_waiter const &w : d.waiters)
		if (Iface *i = _iface(w.payer)) i->refund(w.frame.size() + WAITER_OVERHEAD);
	d.waiters.clear();
	d.arp.clear();
	d.ip.reset();
	d.gateway.reset();
	d.dns.clear();
	d.dhcp_state = Dhcp_client_state::INIT;
	d.dhcp_deadline_ms = 0;
	_update_link_states();
}
