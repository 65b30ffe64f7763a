/*
 * Parsing and checking nic_router's configuration
 */
#include "config.h"

#include <nestbox/util/policy.h>

#include <charconv>
#include <set>

using namespace Nic_router;

/* limits of the config itself, so that a config cannot make the router huge */
static constexpr unsigned MAX_DOMAINS = 256;
static constexpr unsigned MAX_RULES_PER_DOMAIN = 1024;
static constexpr unsigned MAX_NAT_PORTS = 16384;   /* the IANA dynamic range */
static constexpr unsigned MAX_TIMEOUT_SEC = 7 * 24 * 3600;

namespace {

	struct Error { std::string text; };

	std::string where(pugi::xml_node n)
	{
		std::string s = "<"; s += n.name();
		if (auto name = n.attribute("name")) { s += " name=\""; s += name.value(); s += "\""; }
		return s + ">";
	}

	unsigned number(pugi::xml_node n, char const *attr, unsigned dflt, unsigned max)
	{
		pugi::xml_attribute a = n.attribute(attr);
		if (!a) return dflt;
		std::string_view v = a.value();
		unsigned value = 0;
		auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
		if (v.empty() || ec != std::errc() || end != v.data() + v.size() || value > max)
			throw Error { where(n) + ": " + attr + "=\"" + std::string(v)
			              + "\" is not a number from 0 to " + std::to_string(max) };
		return value;
	}

	Ipv4_address address(pugi::xml_node n, char const *attr)
	{
		auto a = Ipv4_address::from_string(n.attribute(attr).value());
		if (!a)
			throw Error { where(n) + ": " + attr + "=\"" + n.attribute(attr).value()
			              + "\" is not an IPv4 address" };
		return *a;
	}

	Ipv4_cidr cidr(pugi::xml_node n, char const *attr)
	{
		auto c = Ipv4_cidr::from_string(n.attribute(attr).value());
		if (!c)
			throw Error { where(n) + ": " + attr + "=\"" + n.attribute(attr).value()
			              + "\" is not an address with prefix (a.b.c.d/n)" };
		return *c;
	}

	std::string domain_ref(pugi::xml_node n)
	{
		std::string d = n.attribute("domain").value();
		if (d.empty()) throw Error { where(n) + ": no domain attribute" };
		return d;
	}

	bool yes_no(pugi::xml_node n, char const *attr, bool dflt)
	{
		pugi::xml_attribute a = n.attribute(attr);
		if (!a) return dflt;
		std::string_view v = a.value();
		if (v == "yes" || v == "true") return true;
		if (v == "no" || v == "false") return false;
		throw Error { where(n) + ": " + attr + " must be yes or no" };
	}

	Transport_rule transport_rule(pugi::xml_node n)
	{
		Transport_rule r { cidr(n, "dst"), { } };
		for (pugi::xml_node p : n.children()) {
			if (std::string_view(p.name()) == "permit-any")
				r.permits.push_back({ 0, domain_ref(p) });
			else if (std::string_view(p.name()) == "permit") {
				unsigned const port = number(p, "port", 0, 65535);
				if (!port) throw Error { where(p) + ": port must be 1 to 65535" };
				r.permits.push_back({ uint16_t(port), domain_ref(p) });
			}
		}
		return r;
	}

	Forward_rule forward_rule(pugi::xml_node n)
	{
		/* Genode accepts system and registered ports, not the dynamic ones NAT uses */
		unsigned const port = number(n, "port", 0, 49151);
		if (!port) throw Error { where(n) + ": port must be 1 to 49151" };
		unsigned const to_port = number(n, "to_port", 0, 65535);
		return { uint16_t(port), domain_ref(n), address(n, "to"), uint16_t(to_port) };
	}

	Domain_config domain(pugi::xml_node n, bool echo_default)
	{
		Domain_config d { };
		d.name = n.attribute("name").value();
		if (d.name.empty()) throw Error { "<domain> without a name" };
		if (n.attribute("interface")) d.interface = cidr(n, "interface");
		if (n.attribute("gateway")) d.gateway = address(n, "gateway");
		d.icmp_echo_server = yes_no(n, "icmp_echo_server", echo_default);

		if (d.interface) {
			if (d.interface->prefix == 0 || d.interface->prefix > 30)
				throw Error { where(n) + ": interface prefix must be 1 to 30" };
			if (d.gateway && (!d.interface->contains(*d.gateway) || *d.gateway == d.interface->address))
				throw Error { where(n) + ": gateway " + d.gateway->string() + " is not another host in "
				              + d.interface->string() };
		}
		unsigned rules = 0;
		for (pugi::xml_node c : n.children()) {
			if (++rules > MAX_RULES_PER_DOMAIN)
				throw Error { where(n) + ": more than " + std::to_string(MAX_RULES_PER_DOMAIN) + " rules" };
			std::string_view const type = c.name();
			if (type == "tcp") d.tcp.push_back(transport_rule(c));
			else if (type == "udp") d.udp.push_back(transport_rule(c));
			else if (type == "icmp") d.icmp.push_back({ cidr(c, "dst"), domain_ref(c) });
			else if (type == "ip") d.ip.push_back({ cidr(c, "dst"), domain_ref(c) });
			else if (type == "tcp-forward") d.tcp_forward.push_back(forward_rule(c));
			else if (type == "udp-forward") d.udp_forward.push_back(forward_rule(c));
			else if (type == "nat")
				d.nat.push_back({ domain_ref(c), number(c, "tcp-ports", 0, MAX_NAT_PORTS),
				                  number(c, "udp-ports", 0, MAX_NAT_PORTS),
				                  number(c, "icmp-ids", 0, MAX_NAT_PORTS) });
			else if (type == "dhcp-server") {
				if (!d.interface)
					throw Error { where(n) + ": a DHCP server needs a static interface address" };
				Dhcp_server_config s { address(c, "ip_first"), address(c, "ip_last"),
				                       number(c, "ip_lease_time_sec",
				                              number(c, "lease_time_sec", 3600, MAX_TIMEOUT_SEC),
				                              MAX_TIMEOUT_SEC), { }, { } };
				if (!d.interface->contains(s.first) || !d.interface->contains(s.last) || s.last < s.first)
					throw Error { where(c) + ": ip_first..ip_last must be a range inside " + d.interface->string() };
				if (s.last.value - s.first.value >= 65536)
					throw Error { where(c) + ": more than 65536 addresses" };
				if (c.attribute("dns_server")) s.dns_servers.push_back(address(c, "dns_server"));
				for (pugi::xml_node dns : c.children("dns-server"))
					if (s.dns_servers.size() < DHCP_MAX_DNS) s.dns_servers.push_back(address(dns, "ip"));
				if (auto dd = c.child("dns-domain")) s.dns_domain = dd.attribute("name").value();
				d.dhcp_server = s;
			}
		}
		return d;
	}

	void check_domain_refs(Config const &c)
	{
		auto check = [&] (Domain_config const &d, std::string const &ref) {
			if (!c.domain(ref))
				throw Error { "<domain name=\"" + d.name + "\">: a rule names the unknown domain \"" + ref + "\"" };
		};
		for (Domain_config const &d : c.domains) {
			for (auto const &r : d.tcp) for (auto const &p : r.permits) check(d, p.domain);
			for (auto const &r : d.udp) for (auto const &p : r.permits) check(d, p.domain);
			for (auto const &r : d.icmp) check(d, r.domain);
			for (auto const &r : d.ip) check(d, r.domain);
			for (auto const &r : d.tcp_forward) check(d, r.domain);
			for (auto const &r : d.udp_forward) check(d, r.domain);
			for (auto const &r : d.nat) check(d, r.domain);
		}
	}
}


Nat_rule const *Domain_config::nat_for(std::string const &source_domain) const
{
	for (Nat_rule const &r : nat)
		if (r.domain == source_domain) return &r;
	return nullptr;
}


Domain_config const *Config::domain(std::string const &name) const
{
	for (Domain_config const &d : domains)
		if (d.name == name) return &d;
	return nullptr;
}


std::string Config::domain_for_label(std::string const &label) const
{
	if (!xml) return { };
	pugi::xml_node const policy = nestbox::select_policy(xml->first_child(), label);
	return policy.attribute("domain").value();
}


Config_result Nic_router::parse_config(pugi::xml_node node)
{
	try {
		Config c { };
		c.tcp_idle_timeout_sec      = number(node, "tcp_idle_timeout_sec", 600, MAX_TIMEOUT_SEC);
		c.udp_idle_timeout_sec      = number(node, "udp_idle_timeout_sec", 30, MAX_TIMEOUT_SEC);
		c.icmp_idle_timeout_sec     = number(node, "icmp_idle_timeout_sec", 10, MAX_TIMEOUT_SEC);
		c.tcp_max_segm_lifetime_sec = number(node, "tcp_max_segm_lifetime_sec", 15, MAX_TIMEOUT_SEC);
		c.dhcp_offer_timeout_sec    = number(node, "dhcp_offer_timeout_sec", 10, MAX_TIMEOUT_SEC);
		c.dhcp_discover_timeout_sec = number(node, "dhcp_discover_timeout_sec", 10, MAX_TIMEOUT_SEC);
		c.dhcp_request_timeout_sec  = number(node, "dhcp_request_timeout_sec", 10, MAX_TIMEOUT_SEC);
		bool const echo = yes_no(node, "icmp_echo_server", true);

		std::set<std::string> names;
		for (pugi::xml_node d : node.children("domain")) {
			if (c.domains.size() == MAX_DOMAINS)
				throw Error { "more than " + std::to_string(MAX_DOMAINS) + " domains" };
			c.domains.push_back(domain(d, echo));
			if (!names.insert(c.domains.back().name).second)
				throw Error { "domain \"" + c.domains.back().name + "\" defined twice" };
		}
		check_domain_refs(c);

		c.xml = std::make_shared<pugi::xml_document>();
		c.xml->append_copy(node);
		return { std::move(c), { } };
	}
	catch (Error const &e) { return { std::nullopt, e.text }; }
}
