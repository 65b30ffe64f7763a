/*
 * nic_router's state report: domains, interfaces, leases, links, drops
 */
#include "router.h"

#include <sstream>

using namespace Nic_router;


static std::string protocol_name(uint8_t p)
{
	return p == Ip_protocol::TCP ? "tcp" : p == Ip_protocol::UDP ? "udp" : "icmp";
}


std::string Router::report(uint64_t now) const
{
	pugi::xml_document doc;
	pugi::xml_node state = doc.append_child("state");

	auto interface = [&] (pugi::xml_node parent, Iface const &i) {
		pugi::xml_node n = parent.append_child("interface");
		n.append_attribute("label") = i.label.c_str();
		n.append_attribute("link_state") = i.told_up;
		n.append_attribute("peer_link") = i.peer_up;
		n.append_attribute("rx_bytes") = (unsigned long long)i.rx_bytes;
		n.append_attribute("tx_bytes") = (unsigned long long)i.tx_bytes;
		pugi::xml_node q = n.append_child("ram-quota");
		q.append_attribute("used") = (unsigned long long)i.used;
		q.append_attribute("limit") = (unsigned long long)i.quota;
		unsigned links[3] { };
		for (Link const &l : _links)
			if (l.client == i.id)
				links[l.protocol == Ip_protocol::TCP ? 0 : l.protocol == Ip_protocol::UDP ? 1 : 2]++;
		pugi::xml_node ln = n.append_child("links");
		ln.append_attribute("tcp") = links[0];
		ln.append_attribute("udp") = links[1];
		ln.append_attribute("icmp") = links[2];
		for (size_t r = 1; r < size_t(Drop_reason::COUNT); r++)
			if (uint64_t c = i.parse_drops.counts[r]) {
				pugi::xml_node d = n.append_child("dropped");
				d.append_attribute("reason") = std::string(drop_reason_name(Drop_reason(r))).c_str();
				d.append_attribute("count") = (unsigned long long)c;
			}
		for (size_t r = 0; r < size_t(Route_drop::COUNT); r++)
			if (uint64_t c = i.route_drops[r]) {
				pugi::xml_node d = n.append_child("dropped");
				d.append_attribute("reason") = std::string(route_drop_name(Route_drop(r))).c_str();
				d.append_attribute("count") = (unsigned long long)c;
			}
	};

	for (auto const &[name, d] : _domains) {
		pugi::xml_node dn = state.append_child("domain");
		dn.append_attribute("name") = name.c_str();
		if (d.ip) dn.append_attribute("ipv4") = d.ip->string().c_str();
		if (d.gateway) dn.append_attribute("gw") = d.gateway->string().c_str();
		dn.append_attribute("rx_bytes") = (unsigned long long)d.rx_bytes;
		dn.append_attribute("tx_bytes") = (unsigned long long)d.tx_bytes;
		for (Ipv4_address const &dns : d.dns)
			dn.append_child("dns").append_attribute("ip") = dns.string().c_str();

		for (auto const &[id, i] : _ifaces)
			if (i.domain == name) interface(dn, i);

		for (auto const &[ip, lease] : d.leases) {
			pugi::xml_node l = dn.append_child("lease");
			l.append_attribute("ip") = ip.string().c_str();
			l.append_attribute("mac") = lease.mac.string().c_str();
			l.append_attribute("state") = lease.bound ? "bound" : "offered";
			l.append_attribute("expires_in_sec") =
				(unsigned long long)(lease.expires_ms > now ? (lease.expires_ms - now) / 1000 : 0);
		}
		for (Link const &l : _links) {
			if (l.client_domain != name) continue;
			pugi::xml_node n = dn.append_child("link");
			n.append_attribute("protocol") = protocol_name(l.protocol).c_str();
			auto ends = [&] (Ipv4_address a, uint16_t port) {
				return a.string() + ":" + std::to_string(port); };
			n.append_attribute("client") = ends(l.client_ends.src, l.client_ends.src_port).c_str();
			n.append_attribute("server") = ends(l.server_ends.dst, l.server_ends.dst_port).c_str();
			n.append_attribute("to_domain") = l.server_domain.c_str();
			if (l.nat) n.append_attribute("nat") = ends(l.server_ends.src, l.server_ends.src_port).c_str();
			if (l.forward) n.append_attribute("forward") = ends(l.client_ends.dst, l.client_ends.dst_port).c_str();
			n.append_attribute("idle_sec") = (unsigned long long)((now - std::min(now, l.last_ms)) / 1000);
			if (l.closed_at_ms) n.append_attribute("state") = "closing";
		}
		if (!d.waiters.empty())
			dn.append_child("arp-waiters").append_attribute("count") = (unsigned long long)d.waiters.size();
	}
	for (auto const &[id, i] : _ifaces)
		if (!_domains.contains(i.domain)) interface(state, i);

	std::ostringstream out;
	doc.save(out, "\t", pugi::format_indent | pugi::format_no_declaration);
	return out.str();
}
