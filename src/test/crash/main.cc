/*
 * crash: a component that fails on purpose, to show that a failing child
 * takes down nothing but itself
 *
 * Its config says how: <config how="abort|segfault|exit|hang" value="N"/>
 * (default: abort). It logs what it is about to do first. 'hang' blocks the
 * entrypoint forever, so the component stops answering heartbeats.
 */

#include <cstdlib>
#include <unistd.h>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/manifest.h>

/* nothing beyond its environment and its config */
NESTBOX_MANIFEST(R"(<manifest/>)");

namespace Crash { struct Main; }

struct Crash::Main
{
	nestbox::Env &env;

	nestbox::Attached_rom config { env, "config" };

	Main(nestbox::Env &env) : env(env)
	{
		pugi::xml_document doc;
		doc.load_buffer(config.text().data(), config.text().size());
		pugi::xml_node const c = doc.child("config");
		std::string_view const how = c.attribute("how").as_string("abort");

		nestbox::log("going to ", how);

		if (how == "segfault") {
			int volatile *null = nullptr;
			*null = 1;
		}
		if (how == "hang")
			for (;;) ::pause();

		if (how == "exit")
			::_exit(c.attribute("value").as_int(1));  /* without telling the parent */

		std::abort();
	}
};


void nestbox::construct(nestbox::Env &env) { static Crash::Main main(env); }
