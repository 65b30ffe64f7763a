/*
 * nic_router's logic: interfaces, domains, ARP, ICMP echo and routing
 */
#include "router.h"

using namespace Nic_router;


std::string_view Nic_router::route_drop_name(Route_drop r)
{
	switch (r) {
	case Route_drop::NO_DOMAIN:        return "no_domain";
	case Route_drop::DOMAIN_DOWN:      return "domain_down";
	case Route_drop::NO_RULE:          return "no_rule";
	case Route_drop::NO_GATEWAY:       return "no_gateway";
	case Route_drop::ARP_WAITER_LIMIT: return "arp_waiter_limit";
	case Route_drop::ARP_TIMEOUT:      return "arp_timeout";
	case Route_drop::QUOTA:            return "quota";
	case Route_drop::NAT_PORTS:        return "nat_ports";
	case Route_drop::DHCP_POOL:        return "dhcp_pool";
	case Route_drop::COUNT:            break;
	}
	return "unknown";
}


static bool same_cidr(std::optional<Ipv4_cidr> const &a, std::optional<Ipv4_cidr> const &b)
{
	return a && b && a->address == b->address && a->prefix == b->prefix;
}


void Router::apply_config(Config const &config, uint64_t now_ms)
{
	_config = config;

	/* build the new domains, taking over what the new config still fits */
	std::map<std::string, Domain> fresh;
	for (Domain_config const &dc : config.domains) {
		Domain d { dc };
		if (Domain *old = _domain(dc.name)) {
			if (!dc.interface && !old->cfg.interface) {
				/* still a DHCP client: keep what it obtained */
				d.ip = old->ip; d.gateway = old->gateway; d.dns = old->dns;
				d.dhcp_state = old->dhcp_state; d.dhcp_xid = old->dhcp_xid;
				d.dhcp_deadline_ms = old->dhcp_deadline_ms; d.lease_end_ms = old->lease_end_ms;
				d.renew_ms = old->renew_ms; d.rebind_ms = old->rebind_ms;
				d.offered = old->offered; d.offer_server = old->offer_server;
				d.server_mac = old->server_mac;
			}
			if (same_cidr(d.ip, old->ip))
				d.arp = std::move(old->arp);
			if (dc.dhcp_server && old->cfg.dhcp_server && same_cidr(d.ip, old->ip)) {
				for (auto it = old->leases.begin(); it != old->leases.end(); ) {
					bool const in_range = it->first >= dc.dhcp_server->first && it->first <= dc.dhcp_server->last;
					if (in_range) { d.leases.insert(*it); it = old->leases.erase(it); }
					else ++it;
				}
			}
			d.rx_bytes = old->rx_bytes; d.tx_bytes = old->tx_bytes;
		}
		fresh.emplace(dc.name, std::move(d));
	}
	/* what the old domains keep now is given back to the payers */
	for (auto &[name, old] : _domains) {
		for (auto &[ip, lease] : old.leases)
			if (Iface *i = _iface(lease.payer)) i->refund(LEASE_COST);
		for (Arp_waiter const &w : old.waiters)
			if (Iface *i = _iface(w.payer)) i->refund(w.frame.size() + WAITER_OVERHEAD);
	}
	_domains = std::move(fresh);

	/* sessions stay; each gets the domain the new policies assign */
	for (auto &[id, iface] : _ifaces) {
		std::string const d = config.domain_for_label(iface.label);
		iface.domain = _domain(d) ? d : "";
	}

	/* links stay where the new config would make the same link */
	for (auto it = _links.begin(); it != _links.end(); ) {
		auto next = std::next(it);
		if (!_link_still_permitted(*it))
			_dissolve(it);
		else if (it->nat) {
			Domain &to = *_domain(it->server_domain);
			unsigned const k = it->protocol == Ip_protocol::TCP ? 0 : it->protocol == Ip_protocol::UDP ? 1 : 2;
			to.nat_used[k].insert(it->server_ends.src_port);
		}
		it = next;
	}
	_update_link_states();
	tick(now_ms);
}


Router::Id Router::attach(Interface_io &io, std::string const &label, size_t quota, uint64_t now_ms)
{
	Id const id = _next_id++;
	Iface &i = _ifaces.emplace(id, Iface { .id = id, .io = io, .label = label, .quota = quota }).first->second;
	std::string const d = _config.domain_for_label(label);
	i.domain = _domain(d) ? d : "";
	_update_link_states();
	if (Domain *dom = _domain(i.domain))
		_dhcp_client_tick(*dom, now_ms);
	return id;
}


void Router::detach(Id id)
{
	Iface *i = _iface(id);
	if (!i) return;
	for (auto it = _links.begin(); it != _links.end(); ) {
		auto next = std::next(it);
		if (it->client == id) _dissolve(it);
		it = next;
	}
	for (auto &[name, d] : _domains) {
		std::erase_if(d.waiters, [&] (Arp_waiter const &w) { return w.payer == id; });
		for (auto it = d.leases.begin(); it != d.leases.end(); )
			it = it->second.payer == id ? d.leases.erase(it) : std::next(it);
	}
	std::string const domain = i->domain;
	_ifaces.erase(id);

	/* a DHCP client domain without interfaces has lost its network */
	if (Domain *d = _domain(domain); d && !d->cfg.interface) {
		bool any = false;
		for (auto &[iid, iface] : _ifaces) any |= iface.domain == domain;
		if (!any) _drop_ip_config(*d);
	}
}


void Router::peer_link_state(Id id, bool up, uint64_t now_ms)
{
	Iface *i = _iface(id);
	if (!i || i->peer_up == up) return;
	i->peer_up = up;
	Domain *d = _domain(i->domain);
	if (!d || d->cfg.interface) return;
	if (up) { _dhcp_client_tick(*d, now_ms); return; }

	bool any_up = false;
	for (auto &[iid, iface] : _ifaces) any_up |= iface.domain == i->domain && iface.peer_up;
	if (!any_up) _drop_ip_config(*d);
}


void Router::_update_link_states()
{
	for (auto &[id, i] : _ifaces) {
		Domain *d = _domain(i.domain);
		bool const up = d && d->ip;
		if (up != i.told_up) {
			i.told_up = up;
			i.io.link_state(up);
		}
	}
}


void Router::_send(Iface &i, std::span<uint8_t const> frame)
{
	if (!i.peer_up) return;
	i.tx_bytes += frame.size();
	i.io.send(frame);
}


void Router::_send_domain(Domain &d, std::span<uint8_t const> frame, Id except)
{
	d.tx_bytes += frame.size();
	for (auto &[id, i] : _ifaces)
		if (id != except && i.domain == d.cfg.name) _send(i, frame);
}


void Router::_hub(Iface &from, Domain &d, std::span<uint8_t const> frame)
{
	/* the interfaces of a domain share one segment, like ports of a hub */
	_send_domain(d, frame, from.id);
}


void Router::receive(Id id, std::span<uint8_t const> bytes, uint64_t now_ms)
{
	Iface *i = _iface(id);
	if (!i) return;
	i->rx_bytes += bytes.size();

	Frame frame(bytes.begin(), bytes.end());
	Parsed_frame p;
	if (Drop_reason const r = parse_frame(frame, p); r != Drop_reason::NONE) {
		i->parse_drops.count(r);
		i->io.dropped(drop_reason_name(r));
		return;
	}
	Domain *d = _domain(i->domain);
	if (!d) { i->drop(Route_drop::NO_DOMAIN); return; }
	d->rx_bytes += bytes.size();

	if (p.arp) { _handle_arp(*i, *d, p, frame); return; }

	if (p.dhcp) {
		if (p.dhcp->op == 1 && d->cfg.dhcp_server) { _dhcp_server(*i, *d, p, now_ms); return; }
		if (p.dhcp->op == 2 && !d->cfg.interface)  { _dhcp_client(*d, p, now_ms); return; }
	}
	if (p.dst != _mac) { _hub(*i, *d, frame); return; }

	_handle_ipv4(*i, *d, p, frame, now_ms);
}


void Router::_learn(Domain &d, Ipv4_address ip, Mac_address mac)
{
	if (!d.arp.contains(ip) && d.arp.size() >= MAX_ARP_CACHE)
		d.arp.erase(d.arp.begin());
	d.arp[ip] = mac;

	/* frames that waited for this address go out now */
	for (auto it = d.waiters.begin(); it != d.waiters.end(); ) {
		if (it->next_hop != ip) { ++it; continue; }
		Parsed_frame p;
		if (parse_frame(it->frame, p, false) == Drop_reason::NONE) {
			set_eth(it->frame, p, { _mac, mac });
			_send_domain(d, it->frame);
		}
		if (Iface *payer = _iface(it->payer)) payer->refund(it->frame.size() + WAITER_OVERHEAD);
		it = d.waiters.erase(it);
	}
}


void Router::_handle_arp(Iface &i, Domain &d, Parsed_frame const &p, std::span<uint8_t const> frame)
{
	Arp_fields const &a = *p.arp;
	if (!d.ip || a.target_ip != d.ip->address) { _hub(i, d, frame); return; }

	if (d.ip->contains(a.sender_ip) && a.sender_ip != d.ip->address && !a.sender_ip.is_unspecified())
		_learn(d, a.sender_ip, a.sender_mac);

	if (a.op == Arp_op::REQUEST)
		_send(i, build_arp({ _mac, a.sender_mac }, Arp_op::REPLY, _mac, d.ip->address,
		                   a.sender_mac, a.sender_ip));
}


void Router::_handle_echo(Iface &i, Domain &d, Parsed_frame const &p, Frame const &f)
{
	L4_fields const &l4 = *p.l4;
	Frame reply = build_icmp_echo({ _mac, p.src }, { d.ip->address, p.ipv4->src },
	                              Icmp_type::ECHO_REPLY, l4.icmp_id, l4.icmp_seq,
	                              std::span(f).subspan(l4.payload_offset, l4.payload_length));
	_send(i, reply);
}


void Router::_handle_ipv4(Iface &i, Domain &d, Parsed_frame &p, Frame &f, uint64_t now)
{
	if (!d.ip) { i.drop(Route_drop::DOMAIN_DOWN); return; }
	Ipv4_fields const &ip = *p.ipv4;
	bool const to_router = ip.dst == d.ip->address;

	/* an ICMP error about a link's packet goes back to the link's other side */
	if (std::optional<Icmp_quote> quote = parse_icmp_quote(f, p)) {
		if (_forward_icmp_error(d, p, f, *quote, now)) return;
		if (to_router || !_route_by_ip_rules(i, d, p, f, now)) i.drop(Route_drop::NO_RULE);
		return;
	}
	if (to_router) {
		bool const echo = ip.protocol == Ip_protocol::ICMP && p.l4
		               && p.l4->icmp_type == Icmp_type::ECHO_REQUEST;
		if (echo && d.cfg.icmp_echo_server) { _handle_echo(i, d, p, f); return; }

		/* replies to NAT links come to the router's address */
		if (_forward_by_link(i, d, p, f, now)) return;

		auto const &forwards = ip.protocol == Ip_protocol::TCP ? d.cfg.tcp_forward
		                     : ip.protocol == Ip_protocol::UDP ? d.cfg.udp_forward
		                     : std::vector<Forward_rule> { };
		for (Forward_rule const &r : forwards) {
			if (!p.l4 || r.port != p.l4->dst_port) continue;
			Domain *to = _domain(r.domain);
			if (!to || !to->ip) { i.drop(Route_drop::DOMAIN_DOWN); return; }
			_create_link(i, d, *to, p, f, true, now);
			return;
		}
		i.drop(Route_drop::NO_RULE);
		return;
	}
	if (_forward_by_link(i, d, p, f, now)) return;
	if (_route_new(i, d, p, f, now)) return;

	/* Genode's last resort for every protocol: the IP rules */
	if (!_route_by_ip_rules(i, d, p, f, now)) i.drop(Route_drop::NO_RULE);
}


bool Router::_route_by_ip_rules(Iface &i, Domain &d, Parsed_frame &p, Frame &f, uint64_t now)
{
	Ip_rule const *best = nullptr;
	for (Ip_rule const &r : d.cfg.ip)
		if (r.dst.contains(p.ipv4->dst) && (!best || r.dst.prefix > best->dst.prefix)) best = &r;
	if (!best) return false;

	/* no link and no NAT: the packet only gets the target domain's Ethernet header */
	Domain *to = _domain(best->domain);
	if (!to || !to->ip) { i.drop(Route_drop::DOMAIN_DOWN); return true; }
	_to_domain(*to, i.id, p, f, now);
	return true;
}


bool Router::_route_new(Iface &i, Domain &d, Parsed_frame &p, Frame &f, uint64_t now)
{
	if (!p.l4) return false;
	uint8_t const proto = p.ipv4->protocol;
	if (proto == Ip_protocol::ICMP && p.l4->icmp_type != Icmp_type::ECHO_REQUEST) return false;

	std::string const target = _target_by_rules(d.cfg, proto, p.ipv4->dst, p.l4->dst_port);
	if (target.empty()) return false;
	Domain *to = _domain(target);
	if (!to || !to->ip) { i.drop(Route_drop::DOMAIN_DOWN); return true; }
	_create_link(i, d, *to, p, f, false, now);
	return true;
}


std::string Router::_target_by_rules(Domain_config const &dc, uint8_t proto,
                                     Ipv4_address dst, uint16_t dst_port) const
{
	if (proto == Ip_protocol::ICMP) {
		Icmp_rule const *best = nullptr;
		for (Icmp_rule const &r : dc.icmp)
			if (r.dst.contains(dst) && (!best || r.dst.prefix > best->dst.prefix)) best = &r;
		return best ? best->domain : "";
	}
	auto const &rules = proto == Ip_protocol::TCP ? dc.tcp : dc.udp;
	Transport_rule const *best = nullptr;
	for (Transport_rule const &r : rules)
		if (r.dst.contains(dst) && (!best || r.dst.prefix > best->dst.prefix)) best = &r;
	if (!best) return "";

	/* Genode's order within the rule: permit-any first, then a permit of the port */
	for (Port_permit const &p : best->permits) if (p.port == 0) return p.domain;
	for (Port_permit const &p : best->permits) if (p.port == dst_port) return p.domain;
	return "";
}


void Router::_to_domain(Domain &to, Id payer_id, Parsed_frame &p, Frame &f, uint64_t now)
{
	Iface *payer = _iface(payer_id);
	Ipv4_address const dst = p.ipv4->dst;
	Ipv4_address next_hop = dst;
	if (!to.ip->contains(dst)) {
		if (!to.gateway) { if (payer) payer->drop(Route_drop::NO_GATEWAY); return; }
		next_hop = *to.gateway;
	}
	if (auto mac = to.arp.find(next_hop); mac != to.arp.end()) {
		set_eth(f, p, { _mac, mac->second });
		_send_domain(to, f);
		return;
	}
	if (to.waiters.size() >= MAX_ARP_WAITERS) { if (payer) payer->drop(Route_drop::ARP_WAITER_LIMIT); return; }
	if (!payer || !payer->charge(f.size() + WAITER_OVERHEAD)) { if (payer) payer->drop(Route_drop::QUOTA); return; }

	bool pending = false;
	for (Arp_waiter const &w : to.waiters) pending |= w.next_hop == next_hop;
	to.waiters.push_back({ next_hop, std::move(f), payer_id, now + ARP_TIMEOUT_MS });
	if (!pending) _ask_arp(to, next_hop, now);
}


void Router::_ask_arp(Domain &d, Ipv4_address next_hop, uint64_t now)
{
	d.arp_asked[next_hop] = now;
	_send_domain(d, build_arp({ _mac, Mac_address::broadcast() }, Arp_op::REQUEST, _mac,
	                          d.ip->address, { }, next_hop));
}


void Router::tick(uint64_t now)
{
	for (auto it = _links.begin(); it != _links.end(); ) {
		auto next = std::next(it);
		uint64_t const end = it->closed_at_ms
			? it->closed_at_ms + 2ull * _config.tcp_max_segm_lifetime_sec * 1000
			: it->last_ms + _idle_timeout_ms(it->protocol);
		if (now >= end) _dissolve(it);
		it = next;
	}
	for (auto &[name, d] : _domains) {
		while (!d.waiters.empty() && now >= d.waiters.front().deadline_ms) {
			Arp_waiter const &w = d.waiters.front();
			if (Iface *i = _iface(w.payer)) {
				i->refund(w.frame.size() + WAITER_OVERHEAD);
				i->drop(Route_drop::ARP_TIMEOUT);
			}
			d.waiters.pop_front();
		}
		/* a request can be lost (a peer not up yet): ask again while frames wait */
		for (auto it = d.arp_asked.begin(); it != d.arp_asked.end(); ) {
			bool waited_for = false;
			for (Arp_waiter const &w : d.waiters) waited_for |= w.next_hop == it->first;
			if (!waited_for || !d.ip) { it = d.arp_asked.erase(it); continue; }
			if (now >= it->second + ARP_RETRY_MS) _ask_arp(d, it->first, now);
			++it;
		}
		for (auto it = d.leases.begin(); it != d.leases.end(); )
			if (now >= it->second.expires_ms) _free_lease(d, it++); else ++it;
		_dhcp_client_tick(d, now);
	}
}


uint64_t Router::parse_drops(Id id, Drop_reason r) const
{
	auto i = _ifaces.find(id);
	return i == _ifaces.end() ? 0 : i->second.parse_drops[r];
}


uint64_t Router::route_drops(Id id, Route_drop r) const
{
	auto i = _ifaces.find(id);
	return i == _ifaces.end() ? 0 : i->second.route_drops[size_t(r)];
}


size_t Router::quota_used(Id id) const
{
	auto i = _ifaces.find(id);
	return i == _ifaces.end() ? 0 : i->second.used;
}


std::optional<Ipv4_cidr> Router::domain_ip(std::string const &name) const
{
	auto d = _domains.find(name);
	return d == _domains.end() ? std::nullopt : d->second.ip;
}
