/*
 * Report connection with its buffer mapped locally
 */
#pragma once

#include <cstring>

#include <nestbox/base/dataspace.h>
#include <nestbox/connection.h>
#include <nestbox/session/report.h>

namespace nestbox {

namespace Report { using Connection = nestbox::Connection<Report::Client>; }

class Reporter
{
	private:

		Report::Connection _report;
		Attached_dataspace _buffer;

		static std::string _args(size_t buffer_size)
		{
			/* the session quota pays for the server's copy of the buffer */
			return "buffer_size=" + std::to_string(buffer_size) + ", ram_quota=" + std::to_string(buffer_size);
		}

	public:

		Reporter(Env &env, std::string_view label, size_t buffer_size = 4096)
		: _report(env, label, _args(buffer_size)),
		  _buffer([&] { auto ds = _report.dataspace(); return ds ? std::move(*ds) : Dataspace_capability(); }()) { }

		size_t capacity() const { return _buffer.size(); }

		/* Publish 'text'; fails with INVALID_ARGS if it does not fit */
		Result<void> report(std::string_view text)
		{
			if (!_buffer.valid() || text.size() > _buffer.size()) return failure(Error::INVALID_ARGS);
			std::memcpy(_buffer.local_addr(), text.data(), text.size());
			return _report.submit(text.size());
		}
};

} /* namespace nestbox */
