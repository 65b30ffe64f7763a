/*
 * Core's LOG service: each session prints its lines under its label
 */
#pragma once

#include <nestbox/root_component.h>
#include <nestbox/session/log.h>

#include "log_output.h"

namespace Core {

struct Log_session_component : nestbox::Rpc_object<nestbox::Log::Session>
{
	Log_output       &output;
	std::string const label;

	Log_session_component(Log_output &output, std::string label)
	: output(output), label(std::move(label)) { }

	void write(std::string_view line) override { output.write(label, line); }

	std::string client_name() const override { return label; }
};

struct Log_root : nestbox::Root_component<Log_session_component>
{
	Log_output &output;

	Log_root(nestbox::Entrypoint &ep, Log_output &output) : Root_component(ep), output(output) { }

	nestbox::Result<std::unique_ptr<Log_session_component>> _create_session(std::string_view args) override
	{
		return std::make_unique<Log_session_component>(output, nestbox::Arg_string::string(args, "label"));
	}
};

} /* namespace Core */
