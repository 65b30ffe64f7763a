/*
 * A ROM session whose every content the reporter logs
 *
 * Like 'Attached_rom', but a denied session is a log line instead of the
 * component's exit, because scenarios check denials too.
 */
#pragma once

#include <memory>
#include <string>

#include <nestbox/attached_rom.h>
#include <nestbox/log.h>

namespace Report_test {

	using namespace nestbox;

	struct Rom_observer;
	class  Rom_reader;
}


/* Told after every content a reader has logged */
struct Report_test::Rom_observer
{
	virtual ~Rom_observer() = default;

	virtual void rom_seen() = 0;
};


class Report_test::Rom_reader
{
	private:

		Rom_observer &_observer;

		std::unique_ptr<Rom::Connection> _rom;
		Attached_dataspace               _ds { };

		Signal_handler<Rom_reader> _handler;

		void _fetch()
		{
			auto ds = _rom->dataspace();
			_ds = ds ? Attached_dataspace(std::move(*ds)) : Attached_dataspace();
		}

		void _handle_change()
		{
			auto in_place = _rom->update();
			if (!in_place || !*in_place)
				_fetch();
			_log_content();
		}

		/* An invalid ROM reads as Genode's Attached_rom_dataspace shows it */
		void _log_content()
		{
			log("rom content: ", _ds.valid() ? std::string(text()) : std::string("<empty/>"));
			_observer.rom_seen();
		}

	public:

		Rom_reader(Entrypoint &ep, Rom_observer &observer, std::unique_ptr<Rom::Connection> rom)
		: _observer(observer), _rom(std::move(rom)), _handler(ep, *this, &Rom_reader::_handle_change)
		{
			_fetch();
			(void)_rom->sigh(_handler.cap());
			_log_content();
		}

		Rom_reader(Rom_reader const &) = delete;

		/* The content up to the first NUL; empty for an invalid ROM */
		std::string_view text() const
		{
			if (!_ds.valid()) return { };
			std::string_view s(_ds.local_addr<char>(), _ds.size());
			return s.substr(0, s.find('\0'));
		}
};
