/*
 * nic_tap: a TAP device on the host as a network adaptor
 *
 * Core opens the TAP device for the start node's <host><tap/> grant (in a
 * network namespace) and hands over its descriptor. The driver moves frames
 * between it and either one Nic client (mode="nic", the default) or the
 * owner of the uplink, a router or bridge, over an Uplink session
 * (mode="uplink"). One read or write is one whole frame: the device has no
 * packet-information header and no offloads. Frames move in batches
 * (tap_io.h): io_uring keeps reads in flight and submits a batch's writes
 * with one system call; the streams signal their peer once per batch.
 */

#include <memory>
#include <optional>

#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>
#include <nestbox/nic/connection.h>
#include <nestbox/nic/server.h>
#include <nestbox/root_component.h>
#include <nestbox/util/arg_string.h>

#include "tap_io.h"

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Uplink" optional="yes"/> </requires>
		<provides> <service name="Nic"/> </provides>
	</manifest>)");

using namespace nestbox;

namespace Nic_tap { struct Main; }


struct Nic_tap::Main : Nic::Frame_handler, Frame_sink
{
	/* at most this much for the uplink's state (uplink_quota): 262,144 links */
	static constexpr uint64_t MAX_UPLINK_QUOTA = 64ull << 20;

	/*
	 * 4,096 links: a host may open about 130 connections a second through
	 * the router's forwards, sustained (each link stays 30 s after its close)
	 */
	static constexpr char const *DEFAULT_UPLINK_QUOTA = "1M";

	Env &env;

	Config_document config { env };

	/* the granted device: the first host resource of kind tap */
	struct Grant { int fd = -1; std::string name { }; };

	Grant const tap = [&] {
		for (auto const &[name, fd] : env.host_fds())
			if (name.starts_with("tap:")) return Grant { fd, name.substr(4) };
		error("no TAP device granted: the start node needs <host> <tap name=\"tap0\" netns=\"…\"/> </host>");
		env.exit(1);
	}();

	Nic::Mac_address const mac = [&] {
		config.update();
		std::string const s = config.node().attribute("mac").as_string("02:00:00:00:00:01");
		auto m = Nic::Mac_address::parse(s);
		if (!m) {
			error("config: mac=\"", s, "\" is not a MAC address like 02:00:00:00:00:01");
			env.exit(1);
		}
		return *m;
	}();

	bool const uplink_mode = [&] {
		std::string_view const mode = config.node().attribute("mode").as_string("nic");
		if (mode != "nic" && mode != "uplink") {
			error("config: mode=\"", mode, "\" must be \"nic\" or \"uplink\"");
			env.exit(1);
		}
		return mode == "uplink";
	}();

	/*
	 * What the Uplink session donates beyond its streams, in mode="uplink":
	 * the router pays for the links of the connections from the host with
	 * it (256 bytes each), so it bounds how many of them may be open or in
	 * their close timeout at once
	 */
	uint64_t const uplink_quota = [&] {
		std::string_view const s = config.node().attribute("uplink_quota").as_string(DEFAULT_UPLINK_QUOTA);
		auto const bytes = Arg_string::parse_size(s);
		if (!bytes || *bytes > MAX_UPLINK_QUOTA) {
			error("config: uplink_quota=\"", s, "\" must be a size of at most ",
			      Arg_string::format_size(MAX_UPLINK_QUOTA), " (like 1M)");
			env.exit(1);
		}
		return *bytes;
	}();

	/* The one Nic client, in mode="nic" */
	struct Root : Root_component<Nic::Session_component>
	{
		Main &main;
		Packet_stream::Geometry limit;
		Nic::Session_component *session = nullptr;

		Root(Main &main) : Root_component(main.env.ep()), main(main),
		                   limit(Nic::stream_limit(main.config.node())) { }

		Result<std::unique_ptr<Nic::Session_component>> _create_session(std::string_view args) override
		{
			std::string const label = Arg_string::string(args, "label");
			if (session) {
				warning("Nic session \"", label, "\" denied: the device has a client already");
				return failure(Error::DENIED);
			}
			auto streams = Nic::allocate_streams(main.env, args, label, limit, "Nic");
			if (!streams) return failure(streams.error());
			auto s = std::make_unique<Nic::Session_component>(main.env, label, main.mac, true,
			                                                  std::move(*streams), main);
			session = s.get();
			log("Nic session \"", label, "\": ", main.mac.string(), " on ", main.tap.name);
			return s;
		}

		void _destroy_session(Nic::Session_component &s) override { if (&s == session) session = nullptr; }
	};

	std::optional<Root> root { };

	/* The router's or bridge's Uplink session, in mode="uplink" */
	Signal_handler<Main> uplink_handler { env.ep(), *this, &Main::handle_uplink };
	std::optional<Uplink::Connection> uplink { };

	std::unique_ptr<Tap_io> device { };

	/* Nic::Frame_handler: the client's frames go to the device, a batch at a time */
	void handle_frame(Nic::Session_streams &, std::span<std::byte const> frame) override
	{
		device->write(frame);
	}

	void frames_handled(Nic::Session_streams &) override { device->flush(); }

	void handle_uplink()
	{
		uplink->receive([&] (std::span<std::byte const> frame) { device->write(frame); });
		device->flush();
	}

	/* Frame_sink: a frame the device received goes to the client, or nowhere */
	void frame_from_device(std::span<std::byte const> frame) override
	{
		if (uplink_mode) { if (uplink) uplink->send(frame); }
		else if (root && root->session) root->session->send(frame);
	}

	Main(Env &env) : env(env)
	{
		device = create_tap_io(env.ep(), tap.fd, tap.name, *this,
		                       config.node().attribute("io_uring").as_bool(true));
		log("TAP ", tap.name, ": frames move by ", device->name());
		if (uplink_mode) {
			uplink.emplace(env, uplink_handler.cap(), mac, "uplink", Nic::default_geometry,
			               Nic::default_geometry, uplink_quota);
			if (!uplink->valid()) env.exit(1);
			log("TAP ", tap.name, ": uplink ", mac.string());
		} else {
			root.emplace(*this);
			if (!announce(env, "Nic", *root)) env.exit(1);
			log("TAP ", tap.name, ": Nic server, client MAC ", mac.string());
		}
	}
};


void nestbox::construct(nestbox::Env &env) { static Nic_tap::Main main(env); }
