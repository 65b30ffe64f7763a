/*
 * nic_bridge: a layer-2 switch between Nic clients and one uplink
 *
 * Each Nic client gets a MAC address from the configured range and is a
 * port of the switch; the uplink is another: a driver's Uplink session
 * (nic_tap mode="uplink") or, with upstream="nic", a Nic session the
 * bridge opens itself. The switch learns which port each source MAC
 * address sits behind and sends a frame to that port alone; frames for
 * broadcast, multicast and unknown addresses go to every other port. A
 * client may send only from its own address: frames with another source
 * are dropped (counted, logged once per client), so no client can take
 * over another's address in the table. Nothing here waits: a port that
 * takes no frames loses the ones for it (lib/nic).
 */

#include <map>
#include <memory>
#include <set>

#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>
#include <nestbox/nic/connection.h>
#include <nestbox/nic/server.h>
#include <nestbox/root_component.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Nic" optional="yes"/> </requires>
		<provides> <service name="Nic"/> <service name="Uplink"/> </provides>
	</manifest>)");

using namespace nestbox;

namespace Nic_bridge { struct Main; }


struct Nic_bridge::Main : Nic::Frame_handler
{
	/* learned addresses at most; beyond, unknown destinations are flooded */
	static constexpr size_t MAX_LEARNED = 4096;

	Env &env;

	Config_document config { env };

	pugi::xml_node const node = [&] { config.update(); return config.node(); }();

	Nic::Mac_address const mac_first = [&] {
		std::string const s = node.attribute("mac_first").as_string("02:00:00:00:01:00");
		auto m = Nic::Mac_address::parse(s);
		if (!m) { error("config: mac_first=\"", s, "\" is not a MAC address"); env.exit(1); }
		return *m;
	}();

	unsigned const mac_count = std::clamp(node.attribute("mac_count").as_uint(64), 1u, 65536u);

	Packet_stream::Geometry const limit = Nic::stream_limit(node);

	/*
	 * A port is where frames leave the switch: a session's streams, or the
	 * upstream connection (port nullptr)
	 */
	using Port = void const *;

	std::map<Nic::Mac_address, Port> learned { };

	struct Client_info { Nic::Mac_address mac; bool told_spoof = false; };
	std::map<Port, Client_info> clients { };   /* the Nic sessions, with their addresses */
	std::set<unsigned>          used_macs { };

	Nic::Session_streams *uplink_session = nullptr;
	Signal_handler<Main> upstream_handler { env.ep(), *this, &Main::handle_upstream };
	std::unique_ptr<Nic::Connection> upstream { };

	/* Where 'port' sends; false where the port takes no frame now */
	template <typename FN>
	void for_each_port(FN const &fn)
	{
		for (auto &[port, info] : clients) fn(port);
		if (uplink_session) fn(Port(uplink_session));
		if (upstream)       fn(Port(nullptr));
	}

	Nic::Session_streams *session_of(Port port)
	{
		return const_cast<Nic::Session_streams *>(static_cast<Nic::Session_streams const *>(port));
	}

	void send_to(Port port, std::span<std::byte const> frame)
	{
		if (!port) { if (upstream) upstream->send(frame); return; }
		session_of(port)->send(frame);
	}

	void switch_frame(Port from, std::span<std::byte const> frame)
	{
		Nic::Mac_address dst, src;
		std::memcpy(dst.addr.data(), frame.data(), 6);
		std::memcpy(src.addr.data(), frame.data() + 6, 6);

		if (!src.multicast()) {
			auto it = learned.find(src);
			if (it != learned.end()) it->second = from;
			else if (learned.size() < MAX_LEARNED) learned.emplace(src, from);
		}

		if (!dst.multicast()) {
			auto it = learned.find(dst);
			if (it != learned.end()) {
				if (it->second != from) send_to(it->second, frame);
				return;
			}
		}
		for_each_port([&] (Port port) { if (port != from) send_to(port, frame); });
	}

	/* Nic::Frame_handler: a client's or the uplink driver's frame */
	void handle_frame(Nic::Session_streams &s, std::span<std::byte const> frame) override
	{
		Port const port = &s;
		auto client = clients.find(port);
		if (client != clients.end()
		 && std::memcmp(frame.data() + 6, client->second.mac.addr.data(), 6) != 0) {
			if (!client->second.told_spoof)
				warning("Nic client \"", s.label(), "\" sent a frame from another MAC address than its ",
				        client->second.mac.string(), "; such frames are dropped (not logged again)");
			client->second.told_spoof = true;
			return;
		}
		switch_frame(port, frame);
	}

	void handle_upstream()
	{
		upstream->receive([&] (std::span<std::byte const> frame) { switch_frame(nullptr, frame); });
	}

	void forget(Port port)
	{
		std::erase_if(learned, [&] (auto const &entry) { return entry.second == port; });
	}

	struct Nic_root : Root_component<Nic::Session_component>
	{
		Main &main;

		Nic_root(Main &main) : Root_component(main.env.ep()), main(main) { }

		Result<std::unique_ptr<Nic::Session_component>> _create_session(std::string_view args) override
		{
			std::string const label = Arg_string::string(args, "label");
			unsigned index = 0;
			while (index < main.mac_count && main.used_macs.count(index)) index++;
			if (index == main.mac_count) {
				warning("Nic session \"", label, "\" denied: all ", main.mac_count,
				        " MAC addresses of the range are in use");
				return failure(Error::DENIED);
			}
			auto streams = Nic::allocate_streams(main.env, args, label, main.limit, "Nic");
			if (!streams) return failure(streams.error());

			Nic::Mac_address mac = main.mac_first;
			uint32_t low = uint32_t(mac.addr[3]) << 16 | uint32_t(mac.addr[4]) << 8 | mac.addr[5];
			low += index;
			mac.addr[3] = uint8_t(low >> 16); mac.addr[4] = uint8_t(low >> 8); mac.addr[5] = uint8_t(low);

			auto s = std::make_unique<Nic::Session_component>(main.env, label, mac, true,
			                                                  std::move(*streams), main);
			main.used_macs.insert(index);
			main.clients.emplace(Port(static_cast<Nic::Session_streams *>(s.get())), Client_info { mac });
			log("Nic client \"", label, "\": ", mac.string());
			return s;
		}

		void _destroy_session(Nic::Session_component &s) override
		{
			Port const port = static_cast<Nic::Session_streams *>(&s);
			auto it = main.clients.find(port);
			if (it == main.clients.end()) return;
			Nic::Mac_address const &first = main.mac_first;
			auto low = [] (Nic::Mac_address const &m) {
				return uint32_t(m.addr[3]) << 16 | uint32_t(m.addr[4]) << 8 | m.addr[5]; };
			main.used_macs.erase(low(it->second.mac) - low(first));
			main.clients.erase(it);
			main.forget(port);
		}
	} nic_root { *this };

	struct Uplink_root : Root_component<Uplink::Session_component>
	{
		Main &main;

		Uplink_root(Main &main) : Root_component(main.env.ep()), main(main) { }

		Result<std::unique_ptr<Uplink::Session_component>> _create_session(std::string_view args) override
		{
			std::string const label = Arg_string::string(args, "label");
			if (main.uplink_session || main.upstream) {
				warning("Uplink session \"", label, "\" denied: the bridge has its uplink already");
				return failure(Error::DENIED);
			}
			auto mac = Uplink::mac_from_args(args);
			if (!mac) {
				warning("Uplink session \"", label, "\" denied: no valid mac_address argument");
				return failure(Error::INVALID_ARGS);
			}
			auto streams = Nic::allocate_streams(main.env, args, label, main.limit, "Uplink");
			if (!streams) return failure(streams.error());
			auto s = std::make_unique<Uplink::Session_component>(main.env, label, *mac, std::move(*streams), main);
			main.uplink_session = s.get();
			log("uplink \"", label, "\": ", mac->string());
			return s;
		}

		void _destroy_session(Uplink::Session_component &s) override
		{
			if (&s != main.uplink_session) return;
			main.uplink_session = nullptr;
			main.forget(Port(static_cast<Nic::Session_streams *>(&s)));
			log("uplink gone: the link is down");
		}
	} uplink_root { *this };

	Main(Env &env) : env(env)
	{
		std::string_view const mode = node.attribute("upstream").as_string("uplink");
		if (mode == "nic") {
			upstream = std::make_unique<Nic::Connection>(env, upstream_handler.cap(), "uplink");
			if (!upstream->valid()) env.exit(1);
		} else if (mode != "uplink") {
			error("config: upstream=\"", mode, "\" must be \"uplink\" or \"nic\"");
			env.exit(1);
		} else if (!announce(env, "Uplink", uplink_root)) {
			env.exit(1);
		}
		if (!announce(env, "Nic", nic_root)) env.exit(1);
		log("bridge: ", mac_count, " client addresses from ", mac_first.string(), ", upstream ", mode);
	}
};


void nestbox::construct(nestbox::Env &env) { static Nic_bridge::Main main(env); }
