/*
 * fb_headless: a virtual display without any host device
 *
 * It provides a Framebuffer whose pixels nobody shows and an Input whose
 * events come from its own config, so that GUI components can be tested
 * and scripted anywhere: a test rewrites the driver's config to inject
 * input (<inject version>) and to take a screenshot (<capture version>),
 * which is published as the PNG report "screenshot". See README.md.
 */

#include <optional>
#include <string>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>
#include <nestbox/timer.h>

#include <fb_driver/framebuffer.h>
#include <fb_driver/inject.h>
#include <fb_driver/input.h>
#include <fb_driver/screen.h>
#include <fb_driver/screenshot.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Timer"/> <service name="Report" optional="yes"/> </requires>
		<provides> <service name="Framebuffer"/> <service name="Input"/> </provides>
	</manifest>)");

namespace Fb_driver { struct Main; }


struct Fb_driver::Main : Sync_control
{
	Env &_env;

	static constexpr uint64_t SYNC_PERIOD_US = 1000000 / 60;

	Config_document _config  { _env };
	bool            _verbose = false;

	Timer::Connection _timer { _env };
	bool              _syncing = false;

	Screen           _screen     { _env.pd() };
	Framebuffer_root _fb_root    { _env.ep(), _screen, *this, _verbose };
	Input_root       _input_root { _env.ep(), _env.pd() };
	Screenshot       _screenshot { _env };

	Signal_handler<Main> _config_handler { _env.ep(), *this, &Main::_handle_config };
	Signal_handler<Main> _sync_handler   { _env.ep(), *this, &Main::_handle_sync };

	/* what was applied last: each new version of <inject> and <capture> acts once */
	std::optional<std::string> _inject_version  { };
	std::optional<std::string> _capture_version { };

	/*
	 * Sync signals stand for frames shown. The timer runs only while a
	 * client asked for them: an idle display wakes nobody.
	 */
	void sync_sighs_changed() override
	{
		bool const wanted = _fb_root.any_wants_sync();
		if (wanted == _syncing) return;
		_syncing = wanted;
		(void)_timer.trigger_periodic(wanted ? SYNC_PERIOD_US : 0);
		if (_verbose) log(wanted ? "sync signals started" : "sync signals stopped");
	}

	void _handle_sync() { if (_syncing) _fb_root.notify_sync(); }

	void _apply_mode(pugi::xml_node config)
	{
		auto const requested = requested_mode(config, _screen.mode().area);
		if (!requested) return;
		Area const area = *requested;

		if (auto set = _screen.set_mode(area); !set) {
			error("no buffer for mode ", area.w, "x", area.h, ": ", error_name(set.error()));
			return;
		}
		log("mode ", area.w, "x", area.h);
		_fb_root.notify_mode();
	}

	void _apply_inject(pugi::xml_node config)
	{
		pugi::xml_node const inject = config.child("inject");
		if (!inject) return;

		std::string const version = inject.attribute("version").value();
		if (_inject_version == version) return;
		_inject_version = version;

		auto const events = events_from_config(inject);
		_input_root.submit(events);
		if (_verbose) log("injected ", events.size(), " events (version ", version, ")");
	}

	void _apply_capture(pugi::xml_node config)
	{
		pugi::xml_node const capture = config.child("capture");
		if (!capture) return;

		std::string const version = capture.attribute("version").value();
		if (_capture_version == version) return;
		_capture_version = version;

		if (auto captured = _screenshot.capture(_screen); !captured) {
			error("capture ", version, " failed: ", error_name(captured.error()));
			return;
		}
		log("captured ", version);
	}

	void _handle_config()
	{
		if (!_config.update()) return;

		pugi::xml_node const config = _config.node();
		_verbose = config.attribute("verbose").as_bool(false);

		/* in this order: a capture in the same config shows the new mode */
		_apply_mode(config);
		_apply_inject(config);
		_apply_capture(config);
	}

	void _announce(char const *service, Rpc_object<Root::Session> &root)
	{
		auto cap = manage(_env.ep(), root);
		if (!cap) {
			error(service, " service: ", error_name(cap.error()));
			return;
		}
		if (auto announced = _env.parent().announce(service, std::move(*cap)); !announced)
			error(service, " service not announced: ", error_name(announced.error()));
	}

	Main(Env &env) : _env(env)
	{
		(void)_timer.sigh(_sync_handler.cap());
		_config.sigh(_config_handler.cap());
		_handle_config();

		_announce("Framebuffer", _fb_root);
		_announce("Input",       _input_root);
	}
};


void nestbox::construct(nestbox::Env &env) { static Fb_driver::Main main(env); }
