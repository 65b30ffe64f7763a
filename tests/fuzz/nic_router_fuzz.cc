/*
 * Fuzz target: arbitrary bytes as a sequence of frames that the peers of a
 * nic_router send (an uplink, a client with NAT and forwards, a server), with
 * time passing between them. Each chunk is [interface, advance, length(2),
 * frame]. The router must route or drop each, never hold more than an
 * interface's quota, and its report must stay well-formed XML.
 */
#include <router.h>

#include <cstdlib>

using namespace Nic_router;

static void require(bool ok) { if (!ok) abort(); }

namespace {

	struct Sink : Interface_io
	{
		size_t frames = 0;
		void send(std::span<uint8_t const> f) override {
			Parsed_frame p;
			/* what the router builds or rewrites is well-formed */
			require(parse_frame(f, p) == Drop_reason::NONE);
			frames++;
		}
	};

	char const *const CONFIG = R"(
	<config udp_idle_timeout_sec="2" tcp_idle_timeout_sec="5" icmp_idle_timeout_sec="1">
		<policy label_prefix="uplink" domain="uplink"/>
		<policy label_prefix="server" domain="servers"/>
		<policy label_prefix="client" domain="clients"/>
		<domain name="uplink" interface="10.0.2.55/24" gateway="10.0.2.1">
			<nat domain="clients" tcp-ports="8" udp-ports="8" icmp-ids="4"/>
			<tcp-forward port="80" domain="servers" to="10.0.1.80"/>
			<udp-forward port="53" domain="servers" to="10.0.1.80" to_port="5353"/>
		</domain>
		<domain name="clients" interface="10.0.3.1/24">
			<dhcp-server ip_first="10.0.3.100" ip_last="10.0.3.103" dns_server="10.0.2.1"/>
			<tcp dst="0.0.0.0/0"><permit-any domain="uplink"/></tcp>
			<udp dst="0.0.0.0/0"><permit-any domain="uplink"/></udp>
			<icmp dst="0.0.0.0/0" domain="uplink"/>
			<tcp dst="10.0.1.0/24"><permit port="7" domain="servers"/></tcp>
			<ip dst="10.0.1.0/24" domain="servers"/>
		</domain>
		<domain name="servers" interface="10.0.1.1/24">
			<ip dst="10.0.3.0/24" domain="clients"/>
		</domain>
		<domain name="dynamic"/>
	</config>)";
}


extern "C" int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	static pugi::xml_document doc;
	static Config const config = [] {
		doc.load_string(CONFIG);
		return *parse_config(doc.first_child()).config;
	}();

	Router router { { { 2, 2, 2, 2, 2, 0 } } };
	uint64_t now = 1000;
	router.apply_config(config, now);
	Sink sinks[3];
	size_t const quota = 4096;
	Router::Id const ids[3] { router.attach(sinks[0], "uplink", quota, now),
	                          router.attach(sinks[1], "client", quota, now),
	                          router.attach(sinks[2], "server", quota, now) };

	size_t at = 0;
	while (at + 4 <= size) {
		unsigned const which = data[at] % 4;
		now += data[at + 1] * 50;
		size_t const len = std::min<size_t>(size - at - 4, size_t(data[at + 2]) << 8 | data[at + 3]);
		std::span<uint8_t const> const frame { data + at + 4, len };
		at += 4 + len;
		if (which == 3) {
			/* the uplink's link goes down and up again */
			router.peer_link_state(ids[0], false, now);
			router.peer_link_state(ids[0], true, now);
			continue;
		}
		router.receive(ids[which], frame, now);
		router.tick(now);
		for (Router::Id id : ids) require(router.quota_used(id) <= quota);
	}
	pugi::xml_document report;
	require(report.load_string(router.report(now).c_str()));
	return 0;
}
