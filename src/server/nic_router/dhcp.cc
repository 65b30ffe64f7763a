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
	/* RFC 2131 4.4.5: a renewal is unicast to the server, a rebinding broadcast */
	bool const renewing  = d.dhcp_state == Dhcp_client_state::RENEWING;
	bool const extending = renewing || d.dhcp_state == Dhcp_client_state::REBINDING;

	std::vector<uint8_t> b;
	Dhcp_writer w(b, 1, d.dhcp_xid, _mac);
	if (extending)
		w.ciaddr(d.ip->address);
	else
		w.flags(0x8000);
	w.option_u8(Dhcp_option::MESSAGE_TYPE, type);
	if (type == Dhcp_type::REQUEST && !extending)
		w.option_ip(Dhcp_option::REQUESTED_IP, d.offered).option_ip(Dhcp_option::SERVER_ID, d.offer_server);
	uint8_t const wanted[] { Dhcp_option::SUBNET_MASK, Dhcp_option::ROUTER,
	                         Dhcp_option::DNS_SERVER, Dhcp_option::DOMAIN_NAME };
	w.option(Dhcp_option::PARAMETER_LIST, wanted).end();

	Eth_ends  const eth { _mac, renewing ? d.server_mac : Mac_address::broadcast() };
	Ipv4_ends const ip  { extending ? d.ip->address : Ipv4_address { },
	                      renewing ? d.offer_server : Ipv4_address::broadcast() };
	_send_domain(d, build_udp(eth, ip, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, b));
}


/* RFC 2131 4.4.5: retransmit after half the time left, at least 60 s, never beyond 'until' */
static uint64_t retransmit_at(uint64_t now, uint64_t until)
{
	if (until <= now) return now;
	return std::min(until, now + std::max<uint64_t>((until - now) / 2, Router::DHCP_MIN_RETRANSMIT_MS));
}


void Router::_dhcp_client_bind(Domain &d, Parsed_frame const &p, uint64_t now)
{
	Dhcp_message const &m = *p.dhcp;
	unsigned const prefix = m.options.has_subnet_mask ? prefix_of(m.options.subnet_mask) : 33;
	bool const extending = d.dhcp_state != Dhcp_client_state::REQUESTING;

	/* Genode's router needs address, mask and lease time; without them: start over */
	if (m.yiaddr.is_unspecified() || prefix == 0 || prefix > 30 || !m.options.has_lease_time) {
		if (extending) _drop_ip_config(d);
		d.dhcp_state = Dhcp_client_state::INIT;
		d.dhcp_deadline_ms = now;
		return;
	}
	Ipv4_cidr const ip { m.yiaddr, prefix };

	/* a renewal that hands out another address ends what the old one carried */
	if (extending && !(d.ip && d.ip->address == ip.address && d.ip->prefix == ip.prefix))
		_drop_ip_config(d);

	d.ip = ip;
	d.gateway.reset();
	if (m.options.has_router && d.ip->contains(m.options.router)) d.gateway = m.options.router;
	d.dns = m.options.dns_servers;
	d.offer_server = m.options.has_server_id ? m.options.server_id : m.siaddr;
	d.server_mac = p.src;

	/* T1 and T2 as the server gives them if they are in order, else RFC 2131's defaults */
	uint64_t const lease = uint64_t(m.options.lease_time) * 1000;
	uint64_t t1 = lease / 2, t2 = lease * 7 / 8;
	uint64_t const s_t1 = uint64_t(m.options.renewal_time) * 1000;
	uint64_t const s_t2 = uint64_t(m.options.rebinding_time) * 1000;
	if (m.options.has_rebinding_time && s_t2 <= lease) t2 = s_t2;
	if (m.options.has_renewal_time && s_t1 <= t2) t1 = s_t1;
	if (t1 > t2) t1 = t2;
	d.lease_end_ms = now + lease;
	d.renew_ms     = now + t1;
	d.rebind_ms    = now + t2;
	d.dhcp_state   = Dhcp_client_state::BOUND;
	_update_link_states();
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

	case Dhcp_type::ACK:
		if (d.dhcp_state != Dhcp_client_state::REQUESTING
		 && d.dhcp_state != Dhcp_client_state::RENEWING
		 && d.dhcp_state != Dhcp_client_state::REBINDING) return;
		_dhcp_client_bind(d, p, now);
		return;

	case Dhcp_type::NAK:
		if (d.dhcp_state == Dhcp_client_state::RENEWING || d.dhcp_state == Dhcp_client_state::REBINDING)
			_drop_ip_config(d);   /* the server took the address back */
		d.dhcp_state = Dhcp_client_state::INIT;
		d.dhcp_deadline_ms = now;
		return;
	}
}


void Router::_dhcp_client_tick(Domain &d, uint64_t now)
{
	if (d.cfg.interface) return;

	using S = Dhcp_client_state;
	bool const has_lease = d.dhcp_state == S::BOUND || d.dhcp_state == S::RENEWING
	                    || d.dhcp_state == S::REBINDING;
	if (has_lease && now >= d.lease_end_ms) {
		/* neither the server nor any other extended the lease: the address is gone */
		_drop_ip_config(d);
	} else if (has_lease) {
		auto request = [&] (S state, uint64_t until) {
			if (d.dhcp_state != state)
				d.dhcp_xid = _xid_seed = _xid_seed * 1103515245u + 12345u;
			d.dhcp_state = state;
			d.dhcp_deadline_ms = retransmit_at(now, until);
			_dhcp_client_send(d, Dhcp_type::REQUEST);
		};
		if (now >= d.rebind_ms) {
			if (d.dhcp_state != S::REBINDING || now >= d.dhcp_deadline_ms) request(S::REBINDING, d.lease_end_ms);
		} else if (now >= d.renew_ms) {
			if (d.dhcp_state != S::RENEWING || now >= d.dhcp_deadline_ms) request(S::RENEWING, d.rebind_ms);
		}
		return;
	}
	if (d.dhcp_state != S::INIT && now < d.dhcp_deadline_ms) return;

	bool any_up = false;
	for (auto &[id, i] : _ifaces) any_up |= i.domain == d.cfg.name && i.peer_up;
	if (!any_up) return;

	d.dhcp_xid = _xid_seed = _xid_seed * 1103515245u + 12345u;
	d.dhcp_state = S::SELECTING;
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
	d.arp_asked.clear();
	d.arp.clear();
	d.ip.reset();
	d.gateway.reset();
	d.dns.clear();
	d.dhcp_state = Dhcp_client_state::INIT;
	d.dhcp_deadline_ms = 0;
	_update_link_states();
}
