/*
 * nic_peer: a minimal IPv4 host on a Nic session, for nic_router's scenarios
 *
 * It obtains its address by DHCP (or takes 'ip'/'gateway' from its config),
 * answers ARP for it, pings what <ping dst/> names, echoes UDP datagrams to
 * the ports of <udp-echo port/>, and sends a datagram to each
 * <udp-send dst port/> until a reply comes or 'tries' (default 5) ran out.
 * It logs each outcome as a line the scenarios expect. Everything goes
 * through the gateway's MAC, which it asks for by ARP: enough for a router.
 * With 'uplink_mac' it is a driver's Uplink client instead (the host on the
 * router's uplink), with that MAC and a static 'ip'.
 */
#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>
#include <nestbox/net/build.h>
#include <nestbox/nic/connection.h>
#include <nestbox/session/uplink.h>
#include <nestbox/timer.h>

#include <map>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Nic" optional="yes"/> <service name="Uplink" optional="yes"/> <service name="Timer"/> </requires>
	</manifest>)");

using namespace nestbox;
using namespace nestbox::Net;

namespace Nic_peer { struct Main; }


struct Nic_peer::Main
{
	Env &env;

	Config_document config { env };
	Timer::Connection timer { env };

	Signal_handler<Main> frame_handler { env.ep(), *this, &Main::handle_frames };
	Signal_handler<Main> timer_handler { env.ep(), *this, &Main::handle_timer };

	/* a Nic client, or with 'uplink_mac' a driver's Uplink session (the router's uplink) */
	std::optional<Nic::Mac_address> const uplink_mac = [&] {
		config.update();
		return Nic::Mac_address::parse(config.node().attribute("uplink_mac").as_string()); }();
	std::optional<Nic::Connection>    nic_session { };
	std::optional<Uplink::Connection> uplink_session { };
	Nic::Client_streams &nic = [&] () -> Nic::Client_streams & {
		if (uplink_mac) return uplink_session.emplace(env, frame_handler.cap(), *uplink_mac, "uplink");
		return nic_session.emplace(env, frame_handler.cap(), "nic"); }();
	Mac_address const mac = [&] {
		Mac_address m;
		m.bytes = uplink_mac ? uplink_mac->addr : nic_session->mac_address().addr;
		return m; }();

	std::optional<Ipv4_cidr>    ip { };
	Ipv4_address                gateway { };
	std::optional<Mac_address>  gateway_mac { };
	uint32_t const              xid = 0x6e700000u | mac.bytes[5];
	bool                        requested = false;

	/*
	 * A datagram sent each period until answered, or with 'repeat' for
	 * ever: then each change between "reply" and "no reply" ('tries'
	 * unanswered in a row) is logged
	 */
	struct Udp_send
	{
		Ipv4_address dst; uint16_t port; unsigned tries; bool repeat;
		unsigned unanswered = 0; bool done = false; int state = 0;   /* 1 reply, 2 no reply */
	};
	std::vector<Udp_send> sends { };
	std::vector<uint16_t> echo_ports { };
	std::vector<std::pair<Ipv4_address, bool>> pings { };
	std::map<size_t, std::string> outcomes { };
	bool finished = false;

	/*
	 * One line when everything asked for has an outcome, in the config's
	 * order (pings, then sends) whatever order they came in: what scenarios
	 * expect
	 */
	void outcome(size_t index, std::string const &text)
	{
		log(text);
		outcomes[index] = text;
		if (finished || outcomes.size() < pings.size() + sends.size()) return;
		finished = true;
		std::string line = "finished as " + ip->string() + ":";
		for (auto const &[i, o] : outcomes) line += " [" + o + "]";
		log(line);
	}

	void send(Frame const &f) { (void)nic.send(std::as_bytes(std::span(f))); }



	void dhcp(uint8_t type, Ipv4_address requested_ip = { }, Ipv4_address server = { })
	{
		std::vector<uint8_t> b;
		Dhcp_writer w(b, 1, xid, mac);
		w.option_u8(Dhcp_option::MESSAGE_TYPE, type);
		if (type == Dhcp_type::REQUEST)
			w.option_ip(Dhcp_option::REQUESTED_IP, requested_ip).option_ip(Dhcp_option::SERVER_ID, server);
		w.end();
		send(build_udp({ mac, Mac_address::broadcast() }, { { }, Ipv4_address::broadcast() },
		               DHCP_CLIENT_PORT, DHCP_SERVER_PORT, b));
	}

	Eth_ends to_gateway() const { return { mac, *gateway_mac }; }

	void configured()
	{
		log("ip ", ip->string(), " gateway ", gateway.string());
		send(build_arp({ mac, Mac_address::broadcast() }, Arp_op::REQUEST, mac, ip->address, { }, gateway));
	}

	void act()
	{
		if (!gateway_mac) return;
		for (auto &[dst, done] : pings)
			if (!done)
				send(build_icmp_echo(to_gateway(), { ip->address, dst }, Icmp_type::ECHO_REQUEST, 7, 1));
		for (size_t i = 0; i < sends.size(); i++) {
			Udp_send &s = sends[i];
			if (s.done) continue;
			if (s.unanswered >= s.tries) {
				s.done = !s.repeat;
				if (s.state != 2)
					outcome(pings.size() + i, "udp " + s.dst.string() + ":" + std::to_string(s.port) + " no reply");
				s.state = 2;
				s.unanswered = 0;
				if (s.done) continue;
			}
			s.unanswered++;
			uint8_t const data[] { 'p', 'i', 'n', 'g' };
			send(build_udp(to_gateway(), { ip->address, s.dst }, 40000, s.port, data));
		}
	}

	void handle_ipv4(Parsed_frame const &p, std::span<uint8_t const> f)
	{
		if (!ip || p.ipv4->dst != ip->address || !p.l4) return;
		if (p.ipv4->protocol == Ip_protocol::ICMP && p.l4->icmp_type == Icmp_type::ECHO_REPLY) {
			for (size_t i = 0; i < pings.size(); i++)
				if (pings[i].first == p.ipv4->src && !pings[i].second) {
					pings[i].second = true;
					outcome(i, "ping " + pings[i].first.string() + " reply");
				}
			return;
		}
		if (p.ipv4->protocol != Ip_protocol::UDP) return;
		for (uint16_t port : echo_ports)
			if (p.l4->dst_port == port && gateway_mac) {
				send(build_udp(to_gateway(), { ip->address, p.ipv4->src }, port, p.l4->src_port,
				               f.subspan(p.l4->payload_offset, p.l4->payload_length)));
				log("udp echo on port ", port, " to ", p.ipv4->src.string(), ":", p.l4->src_port);
				return;
			}
		for (size_t i = 0; i < sends.size(); i++)
			if (Udp_send &s = sends[i]; !s.done && p.ipv4->src == s.dst && p.l4->src_port == s.port) {
				s.done = !s.repeat;
				s.unanswered = 0;
				if (s.state != 1)
					outcome(pings.size() + i, "udp " + s.dst.string() + ":" + std::to_string(s.port) + " reply");
				s.state = 1;
			}
	}

	void handle_frame(std::span<uint8_t const> f)
	{
		Parsed_frame p;
		if (parse_frame(f, p) != Drop_reason::NONE) return;

		if (p.dhcp && p.dhcp->xid == xid && p.dhcp->op == 2) {
			auto const &o = p.dhcp->options;
			if (o.message_type == Dhcp_type::OFFER && !requested) {
				requested = true;
				dhcp(Dhcp_type::REQUEST, p.dhcp->yiaddr, o.server_id);
			}
			if (o.message_type == Dhcp_type::ACK && !ip) {
				unsigned prefix = 0;
				while (prefix < 32 && (o.subnet_mask.value & (0x80000000u >> prefix))) prefix++;
				ip = Ipv4_cidr { p.dhcp->yiaddr, prefix };
				gateway = o.router;
				configured();
			}
			return;
		}
		if (p.arp && ip) {
			if (p.arp->op == Arp_op::REQUEST && p.arp->target_ip == ip->address)
				send(build_arp({ mac, p.arp->sender_mac }, Arp_op::REPLY, mac, ip->address,
				               p.arp->sender_mac, p.arp->sender_ip));
			if (p.arp->op == Arp_op::REPLY && p.arp->sender_ip == gateway && !gateway_mac) {
				gateway_mac = p.arp->sender_mac;
				act();
			}
			return;
		}
		if (p.ipv4) handle_ipv4(p, f);
	}

	void handle_frames()
	{
		nic.receive([&] (std::span<std::byte const> f) {
			handle_frame({ reinterpret_cast<uint8_t const *>(f.data()), f.size() }); });
	}

	void handle_timer()
	{
		/* retransmissions: what has not been answered yet is asked again */
		if (!ip) { requested = false; dhcp(Dhcp_type::DISCOVER); return; }
		if (!gateway_mac) { configured(); return; }
		act();
	}

	Main(Env &env) : env(env)
	{
		pugi::xml_node const c = config.node();
		for (pugi::xml_node n : c.children("ping"))
			if (auto a = Ipv4_address::from_string(n.attribute("dst").value())) pings.push_back({ *a, false });
		for (pugi::xml_node n : c.children("udp-echo"))
			echo_ports.push_back(uint16_t(n.attribute("port").as_uint()));
		for (pugi::xml_node n : c.children("udp-send"))
			if (auto a = Ipv4_address::from_string(n.attribute("dst").value()))
				sends.push_back({ *a, uint16_t(n.attribute("port").as_uint()),
				                  n.attribute("tries").as_uint(5), n.attribute("repeat").as_bool(false) });

		(void)timer.sigh(timer_handler.cap());
		(void)timer.trigger_periodic(c.attribute("period_ms").as_uint(300) * 1000);

		if (auto a = Ipv4_cidr::from_string(c.attribute("ip").value())) {
			ip = a;
			gateway = Ipv4_address::from_string(c.attribute("gateway").value()).value_or(Ipv4_address { });
			configured();
		} else
			dhcp(Dhcp_type::DISCOVER);
	}
};


void nestbox::construct(nestbox::Env &env) { static Nic_peer::Main main(env); }
