/*
 * init: starts the children of its config and routes their session requests
 *
 * The config is a ROM that may change at any time. Each version that parses
 * is handed to the sandbox, which brings the children in line with it; one
 * that does not parse is rejected, and the previous one stays in force.
 */

#include <nestbox/component.h>
#include <nestbox/log.h>
#include <nestbox/manifest.h>

#include <nestbox/init/config_check.h>

#include "sandbox.h"

/*
 * Timer for <heartbeat> and the report delay, Report for <report>. What a
 * nested init provides is what its config exports.
 */
NESTBOX_MANIFEST(R"(
	<manifest>
		<requires>
			<service name="Timer" optional="yes"/>
			<service name="Report" label="state" optional="yes"/>
		</requires>
		<provides per_config="yes"/>
	</manifest>)");

namespace Init { struct Main; }

struct Init::Main
{
	nestbox::Env &env;

	nestbox::Attached_rom         config_rom     { env, "config" };
	nestbox::Signal_handler<Main> config_handler { env.ep(), *this, &Main::handle_config };

	Sandbox sandbox { env };

	void handle_config()
	{
		config_rom.update();
		std::string_view const text = config_rom.text();

		Config_error problem { };
		auto config = parse_config(text, problem);
		if (!config) {
			/* pugixml points at a node's name; point at its '<' as core does */
			if (problem.offset > 0 && problem.offset <= text.size() && text[problem.offset - 1] == '<')
				problem.offset--;
			auto const [line, column] = line_column(text, problem.offset);
			nestbox::error("config:", line, ":", column, ": ", problem.message,
			               " (config rejected, the previous one stays in force)");
			return;
		}
		sandbox.apply_config(std::move(*config));
	}

	Main(nestbox::Env &env) : env(env)
	{
		config_rom.sigh(config_handler.cap());
		handle_config();
	}
};


void nestbox::construct(Env &env) { static Init::Main main(env); }
