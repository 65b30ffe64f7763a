/*
 * Core's Report service
 */

#include "report_service.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

#include <nestbox/log.h>

using namespace Core;
using namespace nestbox;

std::string Report_root::path_for_label(std::string const &dir, std::string_view label)
{
	std::string path = dir;
	while (true) {
		size_t const sep = label.find(Label::SEPARATOR);
		std::string element(label.substr(0, sep));
		for (char &c : element)
			if (c == '/' || c == '\0') c = '_';
		/* assigned and appended piecewise: '= "_"' and '"/" + element' trip
		   GCC 12's -Wrestrict false positive at -O3 (Release, -Werror) */
		if (element.empty() || element == "." || element == "..") element.assign(1, '_');
		path += '/';
		path += element;
		if (sep == std::string_view::npos) break;
		label.remove_prefix(sep + Label::SEPARATOR.size());
	}
	return path;
}


Result<void> Report_session_component::submit(uint64_t length)
{
	if (length > buffer.size()) return failure(Error::INVALID_ARGS);
	if (path.empty()) return { };

	std::error_code ec;
	std::filesystem::path const target(path);
	std::filesystem::create_directories(target.parent_path(), ec);

	std::string const tmp = target.parent_path().string() + "/." + target.filename().string() + ".tmp";
	Unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	if (!fd.valid()) {
		warning("cannot write report ", path, ": ", std::strerror(errno));
		return failure(Error::IO_ERROR);
	}
	char const *data = buffer.local_addr<char>();
	for (uint64_t off = 0; off < length; ) {
		ssize_t const n = ::write(fd.get(), data + off, size_t(length - off));
		if (n <= 0) {
			warning("cannot write report ", path, ": ", n < 0 ? std::strerror(errno) : "nothing written");
			::unlink(tmp.c_str());
			return failure(Error::IO_ERROR);
		}
		off += uint64_t(n);
	}
	fd.reset();
	if (::rename(tmp.c_str(), path.c_str()) < 0) {
		warning("cannot write report ", path, ": ", std::strerror(errno));
		::unlink(tmp.c_str());
		return failure(Error::IO_ERROR);
	}
	return { };
}


Result<std::unique_ptr<Report_session_component>> Report_root::_create_session(std::string_view args)
{
	std::string const label = Arg_string::string(args, "label");
	uint64_t const size = Arg_string::number(args, "buffer_size", 4096);
	if (size == 0 || size > (64ull << 20)) return failure(Error::INVALID_ARGS);

	/* the buffer is core's memory: the client pays for it with its session quota */
	if (Arg_string::number(args, "ram_quota") < size) {
		warning("report \"", label, "\": ram_quota must cover buffer_size (", Arg_string::format_size(size), ")");
		return failure(Error::OUT_OF_RAM);
	}

	auto ds = create_dataspace(size_t(size), std::to_string(::getpid()) + ":report:" + label);
	if (!ds) return failure(ds.error());

	if (report_dir.empty() && !discard_noted) {
		log("reports are discarded (start nestbox with --report-dir to keep them)");
		discard_noted = true;
	}
	std::string const path = report_dir.empty() ? std::string() : path_for_label(report_dir, label);
	return std::make_unique<Report_session_component>(path, std::move(*ds));
}
