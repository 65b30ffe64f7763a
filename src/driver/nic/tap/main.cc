/*
 * nic_tap: a TAP device on the host as a network adaptor
 *
 * Core opens the TAP device for the start node's <host><tap/> grant (in a
 * network namespace) and hands over its descriptor. The driver moves frames
 * between it and either one Nic client (mode="nic", the default) or the
 * owner of the uplink, a router or bridge, over an Uplink session
 * (mode="uplink"). One read or write is one whole frame: the device has no
 * packet-information header and no offloads. Frames are moved in batches:
 * a readable device is drained up to 'BATCH' frames before the entrypoint
 * looks at anything else, and the stream signals its peer once per batch.
 */

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <unistd.h>
#include <sys/epoll.h>

#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>
#include <nestbox/nic/connection.h>
#include <nestbox/nic/server.h>
#include <nestbox/root_component.h>
#include <nestbox/util/rate_limited_warning.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Uplink" optional="yes"/> </requires>
		<provides> <service name="Nic"/> </provides>
	</manifest>)");

using namespace nestbox;

namespace Nic_tap { struct Main; }


struct Nic_tap::Main : Nic::Frame_handler, Io_handler
{
	/* frames read from the device per round, before the entrypoint serves anything else */
	static constexpr unsigned BATCH = 64;

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

	Rate_limited_warning write_failed { };
	uint64_t from_device = 0, to_device = 0, device_drops = 0;

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

	/* A frame for the device: one write; a full device queue drops it as a NIC would */
	void write_frame(std::span<std::byte const> frame)
	{
		ssize_t const n = ::write(tap.fd, frame.data(), frame.size());
		if (n == ssize_t(frame.size())) { to_device++; return; }
		device_drops++;
		write_failed("TAP ", tap.name, ": a frame of ", frame.size(), " bytes was dropped: ",
		                  n < 0 ? std::strerror(errno) : "short write");
	}

	/* Nic::Frame_handler: the client's frames go to the device */
	void handle_frame(Nic::Session_streams &, std::span<std::byte const> frame) override
	{
		write_frame(frame);
	}

	void handle_uplink()
	{
		uplink->receive([&] (std::span<std::byte const> frame) { write_frame(frame); });
	}

	/*
	 * The device is readable: up to BATCH frames go to the client (or are
	 * dropped where there is none, or it takes none). The descriptor is
	 * watched level-triggered, so what is left brings us back next round.
	 */
	void handle_io(uint32_t events) override
	{
		if (events & (EPOLLERR | EPOLLHUP)) {
			error("TAP ", tap.name, ": the device failed");
			env.ep().unwatch(tap.fd);
			return;
		}
		std::byte buf[Nic::MAX_FRAME];
		for (unsigned i = 0; i < BATCH; i++) {
			ssize_t const n = ::read(tap.fd, buf, sizeof(buf));
			if (n < 0) break;   /* EAGAIN: drained */
			if (size_t(n) < Nic::MIN_FRAME) continue;
			from_device++;
			std::span<std::byte const> const frame(buf, size_t(n));
			if (uplink_mode)           uplink->send(frame);
			else if (root && root->session) root->session->send(frame);
		}
	}

	Main(Env &env) : env(env)
	{
		if (uplink_mode) {
			uplink.emplace(env, uplink_handler.cap(), mac, "uplink");
			if (!uplink->valid()) env.exit(1);
			log("TAP ", tap.name, ": uplink ", mac.string());
		} else {
			root.emplace(*this);
			if (!announce(env, "Nic", *root)) env.exit(1);
			log("TAP ", tap.name, ": Nic server, client MAC ", mac.string());
		}
		env.ep().watch(tap.fd, *this, EPOLLIN);
	}
};


void nestbox::construct(nestbox::Env &env) { static Nic_tap::Main main(env); }
