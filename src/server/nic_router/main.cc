/*
 * nic_router: routes between Nic clients and Uplink drivers by domain
 *
 * Each Nic or Uplink session becomes an interface of the router logic
 * (router.h); the config ROM says the domains and rules and is re-applied
 * live; a timer drives timeouts; a Report session carries the state report
 * when the config asks for one (<report interval_sec=…/>).
 */
#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>
#include <nestbox/nic/server.h>
#include <nestbox/report.h>
#include <nestbox/root_component.h>
#include <nestbox/timer.h>
#include <nestbox/util/arg_string.h>
#include <nestbox/util/monotonic.h>
#include <nestbox/util/rate_limited_warning.h>

#include "router.h"

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires>
			<service name="Timer"/>
			<service name="Report" optional="yes"/>
		</requires>
		<provides> <service name="Nic"/> <service name="Uplink"/> </provides>
	</manifest>)");

using namespace nestbox;

namespace Nic_router {

	struct Main;

	/* an interface's frames as the router's byte spans */
	inline std::span<uint8_t const> bytes(std::span<std::byte const> s) {
		return { reinterpret_cast<uint8_t const *>(s.data()), s.size() }; }
	inline std::span<std::byte const> bytes(std::span<uint8_t const> s) {
		return { reinterpret_cast<std::byte const *>(s.data()), s.size() }; }

	inline uint64_t now_ms() { return nestbox::monotonic_ms(); }

	/* what a client donated beyond its streams pays for its links, leases and waiters */
	inline size_t interface_quota(std::string_view args, Nic::Streams const &s)
	{
		uint64_t const donated = Arg_string::number(args, "ram_quota");
		uint64_t const streams = Nic::ram_quota(s.tx.geometry(), s.rx.geometry()) - Nic::SESSION_OVERHEAD;
		return donated > streams ? size_t(donated - streams) : 0;
	}

	template <typename COMPONENT>
	struct Session : COMPONENT, Nic::Frame_handler, Interface_io
	{
		Router    &router;
		Router::Id id = 0;

		template <typename... ARGS>
		Session(Router &router, ARGS &&... args)
		: COMPONENT(std::forward<ARGS>(args)..., static_cast<Nic::Frame_handler &>(*this)), router(router) { }

		/* a client that sends junk must not fill the log: one line a second at most */
		Rate_limited_warning drop_warning { };

		~Session() { router.detach(id); }

		void dropped(std::string_view reason) override {
			drop_warning("\"", COMPONENT::label(), "\": frame dropped: ", reason,
			             " (all drops are counted in the state report)"); }

		void handle_frame(Nic::Session_streams &, std::span<std::byte const> frame) override {
			router.receive(id, bytes(frame), now_ms()); }

		void send(std::span<uint8_t const> frame) override { (void)COMPONENT::send(bytes(frame)); }
	};

	struct Nic_session : Session<Nic::Session_component>
	{
		using Session::Session;
		void link_state(bool up) override { Nic::Session_component::link_state(up); }
	};

	using Uplink_session = Session<Uplink::Session_component>;

	struct Nic_root;
	struct Uplink_root;
}


struct Nic_router::Nic_root : Root_component<Nic_session>
{
	Env &env; Router &router; Config_document &config;
	uint32_t next_mac = 1;

	Nic_root(Env &env, Router &router, Config_document &config)
	: Root_component(env.ep()), env(env), router(router), config(config) { }

	Result<std::unique_ptr<Nic_session>> _create_session(std::string_view args) override
	{
		std::string const label = Arg_string::string(args, "label");
		auto streams = Nic::allocate_streams(env, args, label, Nic::stream_limit(config.node()), "Nic");
		if (!streams) return failure(streams.error());
		size_t const quota = interface_quota(args, streams->streams);

		/* locally administered MACs, one per session, after the router's own */
		uint32_t const n = next_mac++;
		Nic::Mac_address const mac { { 0x02, 0x02, 0x02, uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n) } };
		auto s = std::make_unique<Nic_session>(router, env, label, mac, false, std::move(*streams));
		s->id = router.attach(*s, label, quota, now_ms());
		return s;
	}
};


struct Nic_router::Uplink_root : Root_component<Uplink_session>
{
	Env &env; Router &router; Config_document &config;

	Uplink_root(Env &env, Router &router, Config_document &config)
	: Root_component(env.ep()), env(env), router(router), config(config) { }

	Result<std::unique_ptr<Uplink_session>> _create_session(std::string_view args) override
	{
		std::string const label = Arg_string::string(args, "label");
		auto mac = Uplink::mac_from_args(args);
		if (!mac) {
			warning("Uplink session \"", label, "\": no valid mac_address argument");
			return failure(Error::INVALID_ARGS);
		}
		auto streams = Nic::allocate_streams(env, args, label, Nic::stream_limit(config.node()), "Uplink");
		if (!streams) return failure(streams.error());
		size_t const quota = interface_quota(args, streams->streams);
		auto s = std::make_unique<Uplink_session>(router, env, label, *mac, std::move(*streams));
		/* an Uplink session exists while the driver's link is up */
		s->id = router.attach(*s, label, quota, now_ms());
		return s;
	}
};


struct Nic_router::Main
{
	Env &env;

	Config_document config { env };
	Timer::Connection timer { env };

	Router router { [&] {
		config.update();
		auto mac = Nic::Mac_address::parse(config.node().attribute("mac").as_string("02:02:02:02:02:00"));
		Mac_address m { };
		if (mac) m.bytes = mac->addr; else m.bytes = { 2, 2, 2, 2, 2, 0 };
		return m;
	}() };

	Nic_root    nic_root    { env, router, config };
	Uplink_root uplink_root { env, router, config };

	std::optional<Reporter> reporter { };
	unsigned report_interval_ms = 0;
	uint64_t last_report_ms = 0;

	Signal_handler<Main> config_handler { env.ep(), *this, &Main::handle_config };
	Signal_handler<Main> timer_handler  { env.ep(), *this, &Main::handle_timer };

	void handle_config()
	{
		config.update();
		Config_result r = parse_config(config.node());
		if (!r.config) {
			error("config rejected, the previous one stays: ", r.error);
			return;
		}
		router.apply_config(*r.config, now_ms());

		pugi::xml_node const report = config.node().child("report");
		report_interval_ms = report ? report.attribute("interval_sec").as_uint(5) * 1000 : 0;
		if (report && !reporter) reporter.emplace(env, "state", 64 * 1024);
		if (!report) reporter.reset();
		write_report();
	}

	void write_report()
	{
		if (!reporter) return;
		last_report_ms = now_ms();
		if (!reporter->report(router.report(last_report_ms)))
			warning("state report larger than ", reporter->capacity(), " bytes: not written");
	}

	void handle_timer()
	{
		uint64_t const now = now_ms();
		router.tick(now);
		if (report_interval_ms && now - last_report_ms >= report_interval_ms) write_report();
	}

	Main(Env &env) : env(env)
	{
		config.sigh(config_handler.cap());
		handle_config();

		/* timeouts are in seconds: a tick of 250 ms resolves them well enough */
		(void)timer.sigh(timer_handler.cap());
		(void)timer.trigger_periodic(250'000);

		if (!announce(env, "Nic", nic_root) || !announce(env, "Uplink", uplink_root)) env.exit(1);
	}
};


void nestbox::construct(nestbox::Env &env) { static Nic_router::Main main(env); }
