/*
 * The "screenshot" report: the screen as PNG
 *
 * The Report session is opened at the first capture, not at start: a
 * system that never captures needs no Report route. Its buffer fits the
 * worst case of the current mode (raw pixels plus PNG overhead), so a mode
 * change to a larger screen opens a larger one.
 */
#pragma once

#include <memory>

#include <nestbox/base/dataspace.h>
#include <nestbox/report.h>

#include <nestbox/fb_driver/png_writer.h>
#include <nestbox/fb_driver/screen.h>

namespace Fb_driver { class Screenshot; }


class Fb_driver::Screenshot
{
	private:

		Env &_env;

		std::unique_ptr<Report::Connection> _report { };
		Attached_dataspace                  _buffer { };

		static size_t _buffer_size(Area area) { return size_t(area.w) * area.h * 4 + 64*1024; }

		Result<void> _open(size_t size)
		{
			_buffer = { };
			_report.reset();

			std::string const args = "buffer_size=" + std::to_string(size) + ", ram_quota=" + std::to_string(size);
			auto report = Report::Connection::open(_env, "screenshot", args);
			if (!report) return failure(report.error());

			auto ds = (*report)->dataspace();
			if (!ds) return failure(ds.error());

			_buffer = Attached_dataspace(std::move(*ds));
			if (!_buffer.valid()) return failure(Error::OUT_OF_RAM);
			_report = std::move(*report);
			return { };
		}

	public:

		explicit Screenshot(Env &env) : _env(env) { }

		Result<void> capture(Screen const &screen)
		{
			Area const area = screen.mode().area;
			if (!_report || _buffer.size() < _buffer_size(area))
				if (auto opened = _open(_buffer_size(area)); !opened) return opened;

			auto length = encode_png(screen.pixels(), area,
			                         { _buffer.local_addr<unsigned char>(), _buffer.size() });
			if (!length) return failure(Error::INVALID_ARGS);

			return _report->submit(*length);
		}
};
