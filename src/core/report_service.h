/*
 * Core's Report service: each submitted report becomes a file
 *
 * The label's " -> " elements become directories: the report labelled
 * "init -> state" is written to REPORT_DIR/init/state, atomically (a
 * temporary file renamed over the old one), so a reader never sees half.
 */
#pragma once

#include <nestbox/base/dataspace.h>
#include <nestbox/root_component.h>
#include <nestbox/session/report.h>

#include "pd_service.h"

namespace Core {

struct Report_session_component : nestbox::Rpc_object<nestbox::Report::Session>
{
	std::string const            path;     /* empty: reports are discarded */
	nestbox::Attached_dataspace  buffer;

	Report_session_component(std::string path, nestbox::Dataspace_capability &&ds)
	: path(std::move(path)), buffer(std::move(ds)) { }

	nestbox::Result<nestbox::Dataspace_capability> dataspace() override { return buffer.cap().copy(); }
	nestbox::Result<void> submit(uint64_t length) override;
};

struct Report_root : nestbox::Root_component<Report_session_component>
{
	std::string const report_dir;
	bool              discard_noted = false;

	Report_root(nestbox::Entrypoint &ep, std::string report_dir)
	: Root_component(ep), report_dir(std::move(report_dir)) { }

	/* REPORT_DIR/<one directory per label element>, each made safe as a file name */
	static std::string path_for_label(std::string const &dir, std::string_view label);

	nestbox::Result<std::unique_ptr<Report_session_component>> _create_session(std::string_view args) override;
};

} /* namespace Core */
