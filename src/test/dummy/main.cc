/*
 * Dummy: a component whose behaviour is a script in its config
 *
 * Scenario tests use it as a stand-in client, server or resource hog. It
 * executes the child nodes of its config in order (see README). Its log
 * lines follow Genode's dummy word for word because scenarios check them.
 *
 * Steps run on the entrypoint, and a '<sleep>' waits for a timer signal
 * instead of blocking, so a dummy that provides a service keeps serving while
 * its script sleeps. '<sleep_forever/>' does block the entrypoint, as in
 * Genode: such a dummy answers nothing any more, heartbeats included. A
 * dummy whose script has ended stays and keeps serving. A config that arrives while a script is still running is
 * applied once the script has finished, which is what Genode's dummy shows
 * too (its blocking sleep holds back the config signal).
 */

#include <list>
#include <optional>
#include <string>

#include <unistd.h>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/manifest.h>
#include <nestbox/timer.h>

#include "log_connections.h"
#include "log_service.h"
#include "malloc_churn.h"
#include "runtime_paths.h"
#include "resources.h"

/* Timer only for <sleep> and a delayed close; LOG only after <log_service> */
NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Timer" optional="yes"/> </requires>
		<provides> <service name="LOG"/> </provides>
	</manifest>)");

namespace Dummy {

	using namespace nestbox;

	struct Main;

	/* Genode's boolean attribute values; anything else means the default */
	static bool bool_attribute(pugi::xml_node node, char const *name, bool fallback)
	{
		std::string_view const v = node.attribute(name).value();
		if (v == "yes" || v == "true"  || v == "on")  return true;
		if (v == "no"  || v == "false" || v == "off") return false;
		return fallback;
	}

	/* A byte count in Genode's notation (4K, 2M, 1G) */
	static uint64_t size_attribute(pugi::xml_node node, char const *name)
	{
		return Arg_string::parse_size(node.attribute(name).value()).value_or(0);
	}
}


struct Dummy::Main
{
	Env &_env;

	Attached_rom _config { _env, "config" };

	/*
	 * The config whose script runs. It is parsed only when no script is
	 * running, so the next step never points into a replaced document.
	 */
	pugi::xml_document _doc       { };
	pugi::xml_node     _next_step { };

	/* Configs acted on, counted and named as Genode's dummy logs them */
	unsigned    _config_count = 0;
	std::string _config_version { };

	enum class Script { IDLE, SLEEPING };

	Script _script         = Script::IDLE;
	bool   _config_pending = false;

	Ram_consumer _ram_consumer { _env };
	Cap_consumer _cap_consumer { _env };

	std::optional<Timer::Connection> _timer           { };
	std::optional<Log_connections>   _log_connections { };
	std::optional<Yield_handler>     _yield_handler   { };

	/*
	 * Each '<log_service>' step announces a fresh service, the last one
	 * wins. Earlier ones stay alive so that their clients' sessions keep
	 * being served until those clients close them.
	 */
	std::list<Log_service> _log_services { };

	Signal_handler<Main> _config_handler { _env.ep(), *this, &Main::_handle_config };
	Signal_handler<Main> _wakeup_handler { _env.ep(), *this, &Main::_handle_wakeup };

	void _handle_config()
	{
		if (_script != Script::IDLE) {
			_config_pending = true;
			return;
		}

		_config.update();
		_parse_config();

		pugi::xml_node const config = _doc.document_element();

		std::string const version = config.attribute("version").value();
		if (_config_count > 0 && version == _config_version)
			return;

		_config_count++;
		_config_version = version;

		if (!version.empty())
			log("config ", _config_count, ": ", version);

		_next_step = config.first_child();
		_run_script();
	}

	/*
	 * Like Genode's dummy, treat content that is no XML as an empty config
	 * (which still counts as a config with an empty version), and say why.
	 */
	void _parse_config()
	{
		std::string_view const text = _config.text();

		pugi::xml_parse_result const result =
			_doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);

		if (result && _doc.document_element())
			return;

		if (text.find_first_not_of(" \t\r\n") != std::string_view::npos)
			error("malformed config (", result.description(), " at offset ",
			      int64_t(result.offset), "), waiting for a valid one");

		_doc.reset();
		_doc.append_child("empty");
	}

	void _run_script()
	{
		while (_next_step) {

			pugi::xml_node const step = _next_step;
			_next_step = _next_step.next_sibling();

			if (step.type() != pugi::node_element)
				continue;

			std::string_view const type = step.name();

			if (type == "sleep") {
				_sleep(step.attribute("ms").as_ullong(100));
				return;
			}

			if (type == "sleep_forever")
				_block_entrypoint_forever();

			_execute(step);
		}

		_script = Script::IDLE;

		if (_config_pending) {
			_config_pending = false;
			_config_handler.local_submit();
		}
	}

	/* The steps that complete at once */
	void _execute(pugi::xml_node step)
	{
		std::string_view const type = step.name();

		if (type == "log")
			log(step.attribute("string").value());

		if (type == "exit")
			_env.exit(step.attribute("value").as_int(0));

		if (type == "create_log_connections") {
			_log_connections.reset();
			_log_connections.emplace(_env, step.attribute("count").as_uint(0),
			                         size_attribute(step, "ram_upgrade"));
		}

		if (type == "destroy_log_connections")
			_log_connections.reset();

		if (type == "log_service")
			_log_services.emplace_back(_env, _log_service_attributes(step));

		if (type == "consume_ram")
			_ram_consumer.consume(size_attribute(step, "amount"));

		if (type == "consume_caps")
			_cap_consumer.consume(step.attribute("amount").as_uint(0));

		if (type == "malloc_churn") {
			unsigned const threads = step.attribute("threads").as_uint(4);
			Dummy::malloc_churn(threads, size_attribute(step, "amount"));
			log("malloc churn in ", threads, " threads done");
		}

		if (type == "runtime_path")
			log(Dummy::runtime_path(step.attribute("what").value()));

		if (type == "handle_yield_requests") {
			_yield_handler.reset();
			_yield_handler.emplace(_env, _ram_consumer, _cap_consumer);
		}

		/* unknown steps are ignored, as Genode's dummy does */
	}

	static Log_service::Attributes _log_service_attributes(pugi::xml_node step)
	{
		Log_service::Attributes attr { .verbose = bool_attribute(step, "verbose", false),
		                               .delay_close_ms = { } };

		if (pugi::xml_attribute delay = step.attribute("delay_close_ms"))
			attr.delay_close_ms = delay.as_ullong(0);
		if (pugi::xml_attribute abort = step.attribute("abort_on_label"))
			attr.abort_on_label = abort.value();

		return attr;
	}

	/*
	 * As Genode's dummy does ('sleep_forever()' on its entrypoint): nothing
	 * the entrypoint serves is answered any more, neither the parent's
	 * heartbeats nor session requests, calls of its clients or later
	 * configs. The process stays until its parent kills it. A dummy that
	 * shall stay and keep serving just ends its script instead.
	 */
	[[noreturn]] void _block_entrypoint_forever()
	{
		for (;;) ::pause();
	}

	void _sleep(uint64_t ms)
	{
		if (!_timer) {
			_timer.emplace(_env);
			(void)_timer->sigh(_wakeup_handler.cap());
		}

		_script = Script::SLEEPING;
		(void)_timer->trigger_once(ms*1000);
	}

	void _handle_wakeup()
	{
		/* a signal that outlived its sleep has nothing to wake */
		if (_script != Script::SLEEPING)
			return;

		_script = Script::IDLE;
		_run_script();
	}

	Main(Env &env) : _env(env)
	{
		_config.sigh(_config_handler.cap());
		_handle_config();
	}
};


void nestbox::construct(nestbox::Env &env) { static Dummy::Main main(env); }
