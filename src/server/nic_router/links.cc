/*
 * nic_router's links: the state of each TCP connection, UDP and ICMP echo
 * exchange that a rule or forward let through, with its NAT mapping
 */
#include "router.h"

using namespace Nic_router;

static unsigned nat_index(uint8_t protocol)
{
	return protocol == Ip_protocol::TCP ? 0 : protocol == Ip_protocol::UDP ? 1 : 2;
}


/* the endpoints a packet carries; for ICMP echo, its id serves as both ports */
static bool packet_ends(Parsed_frame const &p, uint8_t &protocol, auto &ends)
{
	if (!p.ipv4 || !p.l4) return false;
	protocol = p.ipv4->protocol;
	ends.src = p.ipv4->src;
	ends.dst = p.ipv4->dst;
	if (protocol == Ip_protocol::ICMP) {
		uint8_t const t = p.l4->icmp_type;
		if (t != Icmp_type::ECHO_REQUEST && t != Icmp_type::ECHO_REPLY) return false;
		ends.src_port = ends.dst_port = p.l4->icmp_id;
		return true;
	}
	ends.src_port = p.l4->src_port;
	ends.dst_port = p.l4->dst_port;
	return protocol == Ip_protocol::TCP || protocol == Ip_protocol::UDP;
}


static void rewrite(Frame &f, Parsed_frame &p, auto const &e)
{
	if (p.ipv4->src != e.src) set_ipv4_src(f, p, e.src);
	if (p.ipv4->dst != e.dst) set_ipv4_dst(f, p, e.dst);
	if (p.ipv4->protocol == Ip_protocol::ICMP) {
		if (p.l4->icmp_id != e.src_port) set_src_port(f, p, e.src_port);
		return;
	}
	if (p.l4->src_port != e.src_port) set_src_port(f, p, e.src_port);
	if (p.l4->dst_port != e.dst_port) set_dst_port(f, p, e.dst_port);
}


static auto reversed(auto const &e)
{
	auto r = e;
	r.src = e.dst; r.dst = e.src; r.src_port = e.dst_port; r.dst_port = e.src_port;
	return r;
}


uint64_t Router::_idle_timeout_ms(uint8_t protocol) const
{
	unsigned const sec = protocol == Ip_protocol::TCP ? _config.tcp_idle_timeout_sec
	                   : protocol == Ip_protocol::UDP ? _config.udp_idle_timeout_sec
	                   : _config.icmp_idle_timeout_sec;
	return uint64_t(sec) * 1000;
}


Router::Link *Router::_find_link(uint8_t protocol, std::string const &domain, Endpoints const &e)
{
	auto it = _link_index.find({ protocol, domain, e });
	return it == _link_index.end() ? nullptr : &*it->second;
}


bool Router::_forward_by_link(Iface &, Domain &d, Parsed_frame &p, Frame &f, uint64_t now)
{
	uint8_t protocol = 0;
	Endpoints ends { };
	if (!packet_ends(p, protocol, ends)) return false;
	Link *l = _find_link(protocol, d.cfg.name, ends);
	if (!l) return false;

	bool const to_server = l->client_domain == d.cfg.name && l->client_ends == ends;
	Domain *to = _domain(to_server ? l->server_domain : l->client_domain);
	if (!to || !to->ip) {
		if (Iface *payer = _iface(l->client)) payer->drop(Route_drop::DOMAIN_DOWN);
		return true;
	}
	l->last_ms = now;
	if (protocol == Ip_protocol::TCP) {
		uint8_t const flags = p.l4->tcp_flags;
		if (flags & Tcp_flag::RST) { l->fins = 3; l->closed_at_ms = now; }
		if (flags & Tcp_flag::FIN) l->fins |= to_server ? 1 : 2;
		if (l->fins == 3 && !l->closed_at_ms) l->closed_at_ms = now;
	}
	rewrite(f, p, to_server ? l->server_ends : reversed(l->client_ends));
	_to_domain(*to, l->client, p, f, now);
	return true;
}


Router::Link *Router::_create_link(Iface &i, Domain &from, Domain &to, Parsed_frame &p, Frame &f,
                                   bool forward, uint64_t now)
{
	uint8_t protocol = 0;
	Endpoints client { };
	if (!packet_ends(p, protocol, client)) { i.drop(Route_drop::NO_RULE); return nullptr; }

	Link l { .protocol = protocol, .client_domain = from.cfg.name, .client = i.id,
	         .client_ends = client, .server_domain = to.cfg.name, .server_ends = client,
	         .nat = false, .forward = forward, .last_ms = now };

	if (forward) {
		auto const &rules = protocol == Ip_protocol::TCP ? from.cfg.tcp_forward : from.cfg.udp_forward;
		for (Forward_rule const &r : rules) {
			if (r.port != client.dst_port) continue;
			l.server_ends.dst = r.to;
			l.server_ends.dst_port = r.to_port ? r.to_port : r.port;
			break;
		}
	}

	unsigned const k = nat_index(protocol);
	if (Nat_rule const *nat = to.cfg.nat_for(from.cfg.name)) {
		unsigned const limit = k == 0 ? nat->tcp_ports : k == 1 ? nat->udp_ports : nat->icmp_ids;
		unsigned used = 0;
		for (Link const &other : _links)
			used += other.nat && other.protocol == protocol && other.server_domain == to.cfg.name
			     && other.client_domain == from.cfg.name;
		if (used >= limit || to.nat_used[k].size() > size_t(NAT_PORT_LAST - NAT_PORT_FIRST)) {
			i.drop(Route_drop::NAT_PORTS);
			return nullptr;
		}
		/* the next free port after the last one handed out, so that ports are not reused at once */
		uint16_t port = to.nat_next[k];
		while (to.nat_used[k].contains(port))
			port = port == NAT_PORT_LAST ? NAT_PORT_FIRST : uint16_t(port + 1);
		to.nat_next[k] = port == NAT_PORT_LAST ? NAT_PORT_FIRST : uint16_t(port + 1);
		l.nat = true;
		l.server_ends.src = to.ip->address;
		l.server_ends.src_port = port;
		if (protocol == Ip_protocol::ICMP) l.server_ends.dst_port = port;
	}

	Link_key const client_key { protocol, from.cfg.name, l.client_ends };
	Link_key const server_key { protocol, to.cfg.name, reversed(l.server_ends) };
	if (_link_index.contains(client_key) || _link_index.contains(server_key)) {
		/* another link already owns these endpoints (a spoofed or odd peer) */
		i.drop(Route_drop::NO_RULE);
		return nullptr;
	}
	if (!i.charge(LINK_COST)) { i.drop(Route_drop::QUOTA); return nullptr; }

	if (l.nat) to.nat_used[k].insert(l.server_ends.src_port);
	if (protocol == Ip_protocol::TCP && (p.l4->tcp_flags & Tcp_flag::FIN)) l.fins = 1;
	_links.push_back(l);
	auto it = std::prev(_links.end());
	_link_index[client_key] = it;
	_link_index[server_key] = it;

	rewrite(f, p, l.server_ends);
	_to_domain(to, i.id, p, f, now);
	return &*it;
}


void Router::_dissolve(std::list<Link>::iterator it)
{
	Link const &l = *it;
	_link_index.erase({ l.protocol, l.client_domain, l.client_ends });
	_link_index.erase({ l.protocol, l.server_domain, reversed(l.server_ends) });
	if (Iface *i = _iface(l.client)) i->refund(LINK_COST);
	if (l.nat)
		if (Domain *d = _domain(l.server_domain)) d->nat_used[nat_index(l.protocol)].erase(l.server_ends.src_port);
	_links.erase(it);
}


bool Router::_link_still_permitted(Link const &l) const
{
	auto client = _ifaces.find(l.client);
	auto from = _domains.find(l.client_domain);
	auto to = _domains.find(l.server_domain);
	if (client == _ifaces.end() || client->second.domain != l.client_domain) return false;
	if (from == _domains.end() || to == _domains.end()) return false;
	Domain const &f = from->second, &t = to->second;
	if (!f.ip || !t.ip) return false;

	if (l.forward) {
		if (f.ip->address != l.client_ends.dst) return false;
		auto const &rules = l.protocol == Ip_protocol::TCP ? f.cfg.tcp_forward : f.cfg.udp_forward;
		bool same = false;
		for (Forward_rule const &r : rules)
			if (r.port == l.client_ends.dst_port)
				same = r.domain == l.server_domain && r.to == l.server_ends.dst
				    && (r.to_port ? r.to_port : r.port) == l.server_ends.dst_port;
		if (!same) return false;
	} else if (_target_by_rules(f.cfg, l.protocol, l.client_ends.dst, l.client_ends.dst_port) != l.server_domain)
		return false;

	/* the same NAT decision, with the same address on the server's side */
	Nat_rule const *nat = t.cfg.nat_for(l.client_domain);
	if (bool(nat) != l.nat) return false;
	if (l.nat && t.ip->address != l.server_ends.src) return false;
	return true;
}


/*
 * An ICMP error (destination unreachable, time exceeded) quotes a packet the
 * router sent into domain 'd' on a link. It goes to the link's other side,
 * with the quote turned back into the packet as that side sent it, so that
 * a NATed client learns of its failed connection (as Linux's NAT does).
 */
bool Router::_forward_icmp_error(Domain &d, Parsed_frame &p, Frame &f, Icmp_quote &q, uint64_t now)
{
	Endpoints const sent { q.src, q.dst, q.src_port, q.dst_port };
	Link *l = _find_link(q.protocol, d.cfg.name, reversed(sent));
	if (!l) return false;

	bool const from_client = l->client_domain == d.cfg.name && l->client_ends == reversed(sent);
	Endpoints const orig = from_client ? reversed(l->server_ends) : l->client_ends;
	Domain *to = _domain(from_client ? l->server_domain : l->client_domain);
	if (!to || !to->ip) {
		if (Iface *payer = _iface(l->client)) payer->drop(Route_drop::DOMAIN_DOWN);
		return true;
	}
	/* the host the quote went to reports under the address the other side knows it by */
	Ipv4_address const reporter = p.ipv4->src == sent.dst ? orig.dst : p.ipv4->src;
	set_icmp_quote(f, q, orig.src, orig.dst, orig.src_port, orig.dst_port);
	if (p.ipv4->src != reporter) set_ipv4_src(f, p, reporter);
	if (p.ipv4->dst != orig.src)  set_ipv4_dst(f, p, orig.src);
	_to_domain(*to, l->client, p, f, now);
	return true;
}
