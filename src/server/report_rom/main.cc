/*
 * report_rom: makes reports available as ROM modules
 *
 * A component reports its state through a Report session; the report
 * becomes the ROM module named after the session's label. Who may read it
 * is the server's config: a ROM client gets the module that the 'report'
 * attribute of its <policy> names, and no module at all without a policy.
 * Readers are signalled at each new report. See README.md.
 */

#include <optional>
#include <string>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>
#include <nestbox/util/policy.h>

#include "report_service.h"
#include "rom_module.h"
#include "rom_service.h"

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires/>
		<provides> <service name="Report"/> <service name="ROM"/> </provides>
	</manifest>)");

namespace Report_rom { struct Main; }


struct Report_rom::Main : Rom_policy
{
	Env &_env;

	Config_document _config { _env };

	/* read by every report session, so that a new config applies to open sessions too */
	bool _verbose = false;

	Registry    _registry    { _env.pd() };
	Report_root _report_root { _env.ep(), _env.pd(), _registry, _verbose };
	Rom_root    _rom_root    { _env.ep(), _registry, *this };

	Signal_handler<Main> _config_handler { _env.ep(), *this, &Main::_handle_config };

	void _handle_config()
	{
		if (!_config.update("no ROM policies apply")) return;

		std::string_view const verbose = _config.node().attribute("verbose").value();
		_verbose = (verbose == "yes" || verbose == "true" || verbose == "on");
	}

	/*
	 * A policy is looked up when a ROM session is opened, so a new config
	 * governs the sessions opened after it (as in Genode). The config is
	 * brought up to date first: the parent may have changed it and started
	 * the client that relies on the change before its signal got here.
	 */
	std::optional<std::string> report_for(std::string_view rom_label) override
	{
		_handle_config();

		pugi::xml_node const policy = select_policy(_config.node(), rom_label);
		if (!policy) {
			warning("no policy for ROM request '", rom_label, "'");
			return { };
		}

		pugi::xml_attribute const report = policy.attribute("report");
		if (!report) {
			warning("policy for ROM request '", rom_label, "' names no report");
			return { };
		}
		return std::string(report.value());
	}

	Main(Env &env) : _env(env)
	{
		_config.sigh(_config_handler.cap());
		_handle_config();

		(void)announce(_env, "Report", _report_root);
		(void)announce(_env, "ROM",    _rom_root);
	}
};


void nestbox::construct(nestbox::Env &env) { static Report_rom::Main main(env); }
