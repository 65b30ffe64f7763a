/*
 * reporter: a test component that reports and reads ROMs as its config says
 *
 * Scenario tests of report_rom use it on both sides. It executes the child
 * nodes of its config in order (see README): reports through
 * 'nestbox::Reporter', raw Report sessions that misbehave on purpose, and
 * ROM sessions whose every content it logs as "rom content: TEXT".
 *
 * Steps run on the entrypoint; '<sleep>' and '<wait_rom>' wait for signals
 * rather than block, so ROM changes are seen (and logged) meanwhile.
 */

#include <map>
#include <memory>
#include <optional>
#include <string>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/manifest.h>
#include <nestbox/report.h>
#include <nestbox/timer.h>

#include "rom_reader.h"

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires>
			<service name="Timer"  optional="yes"/>
			<service name="Report" optional="yes"/>
			<service name="ROM"    optional="yes"/>
		</requires>
	</manifest>)");

namespace Report_test { struct Main; }


struct Report_test::Main : Rom_observer
{
	Env &_env;

	Attached_rom       _config { _env, "config" };
	pugi::xml_document _doc    { };
	pugi::xml_node     _next_step { };

	enum class Script { RUNNING, SLEEPING, WAITING_ROM, DONE };

	Script _script = Script::RUNNING;

	/* the condition of a '<wait_rom>' */
	std::string _wait_label { }, _wait_content { };

	std::optional<Timer::Connection> _timer { };

	/* by the label they were opened with */
	std::map<std::string, std::unique_ptr<nestbox::Reporter>>  _reporters    { };
	std::map<std::string, std::unique_ptr<Report::Connection>> _raw_reports  { };
	std::map<std::string, std::unique_ptr<Rom_reader>>         _rom_readers  { };

	Signal_handler<Main> _wakeup_handler { _env.ep(), *this, &Main::_handle_wakeup };

	/* a ROM change resumes the script from here, never from within the reader's handler */
	Signal_handler<Main> _rom_handler { _env.ep(), *this, &Main::_handle_rom_seen };

	void rom_seen() override
	{
		if (_script == Script::WAITING_ROM)
			_rom_handler.local_submit();
	}

	bool _wait_satisfied() const
	{
		auto it = _rom_readers.find(_wait_label);
		return it != _rom_readers.end() && it->second->text() == _wait_content;
	}

	void _handle_rom_seen()
	{
		if (_script != Script::WAITING_ROM || !_wait_satisfied())
			return;
		_script = Script::RUNNING;
		_run_script();
	}

	void _handle_wakeup()
	{
		if (_script != Script::SLEEPING)
			return;
		_script = Script::RUNNING;
		_run_script();
	}

	void _run_script()
	{
		while (_next_step && _script == Script::RUNNING) {
			pugi::xml_node const step = _next_step;
			_next_step = _next_step.next_sibling();
			if (step.type() == pugi::node_element)
				_execute(step);
		}
		if (_script == Script::RUNNING)
			_script = Script::DONE;
	}

	void _execute(pugi::xml_node step)
	{
		std::string_view const type  = step.name();
		std::string      const label = step.attribute("label").value();

		if (type == "log")           log(step.attribute("string").value());
		if (type == "sleep")         _sleep(step.attribute("ms").as_ullong(100));
		if (type == "sleep_forever") _script = Script::DONE;
		if (type == "exit")          _env.exit(step.attribute("value").as_int(0));

		if (type == "report")       _report(label, step);
		if (type == "close_report") _reporters.erase(label);
		if (type == "open_report")  _open_raw_report(label, step);
		if (type == "submit")       _submit(label, step.attribute("length").as_ullong(0));
		if (type == "close_raw_report") _raw_reports.erase(label);

		if (type == "rom")       _open_rom(label);
		if (type == "close_rom") _rom_readers.erase(label);

		if (type == "wait_rom") {
			_wait_label   = label;
			_wait_content = step.attribute("content").value();
			if (!_wait_satisfied())
				_script = Script::WAITING_ROM;
		}
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

	/* A report through the regular helper, opened at the first report of a label */
	void _report(std::string const &label, pugi::xml_node step)
	{
		auto it = _reporters.find(label);
		if (it == _reporters.end()) {
			size_t const size = Arg_string::parse_size(step.attribute("buffer_size").value()).value_or(4096);
			it = _reporters.emplace(label, std::make_unique<nestbox::Reporter>(_env, label, size)).first;
		}
		if (auto reported = it->second->report(step.attribute("content").value()); !reported)
			error("report \"", label, "\" failed: ", error_name(reported.error()));
	}

	/* A Report session with arguments as given, even ones a server must refuse */
	void _open_raw_report(std::string const &label, pugi::xml_node step)
	{
		std::string const args = std::string("buffer_size=") + step.attribute("buffer_size").as_string("4096")
		                       + ", ram_quota=" + step.attribute("ram_quota").as_string("4096");

		auto connection = Report::Connection::open(_env, label, args);
		if (!connection) {
			log("report session \"", label, "\": ", error_name(connection.error()));
			return;
		}
		log("report session \"", label, "\": ok");
		_raw_reports[label] = std::move(*connection);
	}

	/* Submit without writing the buffer: the length is whatever the config says */
	void _submit(std::string const &label, uint64_t length)
	{
		auto it = _raw_reports.find(label);
		if (it == _raw_reports.end()) {
			error("submit: no report session \"", label, "\"");
			return;
		}
		auto submitted = it->second->submit(length);
		log("submit of ", length, " bytes: ", submitted ? std::string_view("ok") : error_name(submitted.error()));
	}

	void _open_rom(std::string const &label)
	{
		auto rom = Rom::Connection::open(_env, label);
		if (!rom) {
			log("rom \"", label, "\": ", error_name(rom.error()));
			return;
		}
		_rom_readers.erase(label);
		_rom_readers.emplace(label, std::make_unique<Rom_reader>(_env.ep(), *this, std::move(*rom)));
	}

	Main(Env &env) : _env(env)
	{
		std::string_view const text = _config.text();
		if (!_doc.load_buffer(text.data(), text.size()) || !_doc.document_element()) {
			error("malformed config");
			return;
		}
		_next_step = _doc.document_element().first_child();
		_run_script();
	}
};


void nestbox::construct(nestbox::Env &env) { static Report_test::Main main(env); }
