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

#include <nestbox/fb_driver/framebuffer.h>
#include <nestbox/fb_driver/input.h>
#include <nestbox/fb_driver/screen.h>
#include <nestbox/fb_driver/screenshot.h>
#include <nestbox/fb_driver/script.h>
#include <nestbox/fb_driver/sync_timer.h>

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Timer"/> <service name="Report" optional="yes"/> </requires>
		<provides> <service name="Framebuffer"/> <service name="Input"/> </provides>
	</manifest>)");

namespace Fb_driver { struct Main; }


struct Fb_driver::Main : Sync_control
{
	Env &_env;

	Config_document _config  { _env };
	bool            _verbose = false;

	Screen           _screen     { _env.pd() };
	Framebuffer_root _fb_root    { _env.ep(), _screen, *this, _verbose };
	Input_root       _input_root { _env.ep(), _env.pd() };
	Screenshot       _screenshot { _env };
	Sync_timer       _sync       { _env, _fb_root, _verbose };

	Signal_handler<Main> _config_handler { _env.ep(), *this, &Main::_handle_config };

	Config_script _script { };

	void sync_sighs_changed() override { _sync.sessions_changed(); }

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

	void _handle_config()
	{
		if (!_config.update()) return;

		pugi::xml_node const config = _config.node();
		_verbose = config.attribute("verbose").as_bool(false);

		/* in this order: a capture in the same config shows the new mode */
		_apply_mode(config);
		_script.apply(config, _input_root, _screenshot, _screen, _verbose);
	}

	Main(Env &env) : _env(env)
	{
		_config.sigh(_config_handler.cap());
		_handle_config();

		(void)announce(_env, "Framebuffer", _fb_root);
		(void)announce(_env, "Input",       _input_root);
	}
};


void nestbox::construct(nestbox::Env &env) { static Fb_driver::Main main(env); }
