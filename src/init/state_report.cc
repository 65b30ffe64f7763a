/*
 * init's state report
 */

#include "state_report.h"

#include <pugixml.hpp>

#include <nestbox/log.h>
#include <nestbox/util/arg_string.h>

using namespace Init;
using namespace nestbox;

namespace {

std::string size_str(uint64_t v) { return Arg_string::format_size(v); }

void quota_attributes(pugi::xml_node node, Pd::Quota const &q, bool bytes)
{
	uint64_t const avail = q.limit > q.used ? q.limit - q.used : 0;
	node.append_attribute("quota") = (bytes ? size_str(q.limit) : std::to_string(q.limit)).c_str();
	node.append_attribute("used")  = (bytes ? size_str(q.used)  : std::to_string(q.used)).c_str();
	node.append_attribute("avail") = (bytes ? size_str(avail)   : std::to_string(avail)).c_str();
}

void session_node(pugi::xml_node parent, Routed_session const &s, Report_detail const &detail,
                  std::string const &label)
{
	pugi::xml_node n = parent.append_child("session");
	n.append_attribute("service") = s.service.c_str();
	n.append_attribute("label")   = label.c_str();
	n.append_attribute("state")   = s.state;
	if (detail.session_args) n.append_attribute("args") = s.args.c_str();
	if (detail.ids) n.append_attribute("id") = s.target.id;
}

}


std::string State_report::_generate() const
{
	Report_detail const &detail = *_model.report;

	pugi::xml_document doc;
	pugi::xml_node state = doc.append_child("state");
	state.append_attribute("version") = _model.version.c_str();

	if (detail.init_ram)
		if (auto q = _env.pd().ram()) quota_attributes(state.append_child("ram"), *q, true);
	if (detail.init_caps)
		if (auto q = _env.pd().caps()) quota_attributes(state.append_child("caps"), *q, false);

	_children.for_each([&] (Child &child) {
		pugi::xml_node c = state.append_child("child");
		c.append_attribute("name")   = child.name().c_str();
		c.append_attribute("binary") = child.start().binary.c_str();
		if (detail.ids) c.append_attribute("id") = child.id();
		if (!child.start().version.empty()) c.append_attribute("version") = child.start().version.c_str();
		if (child.state() == Child::State::INCOMPLETE || child.state() == Child::State::STARTING || child.stuck())
			c.append_attribute("state") = "incomplete";
		if (child.exited()) c.append_attribute("exited") = child.exit_value();
		if (child.skipped_heartbeats()) c.append_attribute("skipped_heartbeats") = child.skipped_heartbeats();
		/* our extension: restarts after a crash (<restart>), and when init gave up */
		if (unsigned const n = _restarts.restarts(child.name())) c.append_attribute("restarts") = n;
		if (_restarts.given_up(child.name())) c.append_attribute("restart") = "given_up";

		if (detail.child_ram) {
			pugi::xml_node ram = c.append_child("ram");
			ram.append_attribute("assigned") = size_str(child.start().ram).c_str();
			if (auto q = child.ram_quota()) quota_attributes(ram, *q, true);
			if (child.requested_ram()) ram.append_attribute("requested") = size_str(child.requested_ram()).c_str();
		}
		if (detail.child_caps) {
			pugi::xml_node caps = c.append_child("caps");
			caps.append_attribute("assigned") = std::to_string(child.start().caps).c_str();
			if (auto q = child.cap_quota()) quota_attributes(caps, *q, false);
			if (child.requested_caps()) caps.append_attribute("requested") = std::to_string(child.requested_caps()).c_str();
		}
		if (detail.requested) {
			pugi::xml_node r = c.append_child("requested");
			child.for_each_session([&] (Routed_session const &s) { session_node(r, s, detail, s.label); });
		}
		if (detail.provided) {
			pugi::xml_node p = c.append_child("provided");
			_children.for_each([&] (Child const &client) {
				client.for_each_session([&] (Routed_session const &s) {
					if (s.target.kind == Session_target::Kind::CHILD && s.target.server == child.name())
						session_node(p, s, detail, s.label); }); });
		}
	});

	struct Writer : pugi::xml_writer {
		std::string s;
		void write(void const *data, size_t size) override { s.append(static_cast<char const *>(data), size); }
	} w;
	doc.print(w, "\t", pugi::format_default | pugi::format_no_declaration);
	return w.s;
}


void State_report::apply_config()
{
	if (!_model.report) {
		/* a report that was due goes with its node: else its deadline stays armed, past, forever */
		_due = false;
		_reporter.reset();
		return;
	}
	if (_reporter && _buffer == _model.report->buffer) return;

	_reporter.reset();
	_reporter.emplace(_env, "state", _model.report->buffer);
	_buffer = _model.report->buffer;
}


void State_report::trigger_report()
{
	if (!_model.report || _due) return;
	_due    = true;
	_due_us = _timeouts.now_us() + _model.report->delay_ms * 1000;
	_timeouts.schedule();
}


std::optional<uint64_t> State_report::deadline_us() const
{
	return _due ? std::optional<uint64_t>(_due_us) : std::nullopt;
}


void State_report::handle_timeout(uint64_t now_us)
{
	if (!_due || now_us < _due_us || !_model.report) return;

	_due = false;
	std::string const report = _generate();
	if (_reporter && !_reporter->report(report))
		warning("state report does not fit into its buffer of ", _buffer, " bytes");
}
