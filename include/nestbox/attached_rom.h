/*
 * A ROM session whose current content is mapped locally
 */
#pragma once

#include <span>
#include <string_view>

#include <nestbox/base/dataspace.h>
#include <nestbox/connection.h>
#include <nestbox/session/rom.h>

namespace nestbox {

namespace Rom { using Connection = nestbox::Connection<Rom::Client>; }

class Attached_rom
{
	private:

		Rom::Connection    _rom;
		Attached_dataspace _ds { };

		void _fetch()
		{
			auto ds = _rom.dataspace();
			_ds = ds ? Attached_dataspace(std::move(*ds)) : Attached_dataspace();
		}

	public:

		Attached_rom(Env &env, std::string_view name) : _rom(env, name) { _fetch(); }

		/* Re-read the content after a change signal */
		void update()
		{
			auto in_place = _rom.update();
			if (!in_place || !*in_place) _fetch();
		}

		void sigh(Signal_context_capability &&cap) { (void)_rom.sigh(std::move(cap)); }

		bool valid() const { return _ds.valid(); }

		/* The content as bytes (a font, an image), the whole dataspace */
		std::span<std::byte const> bytes() const { return _ds.bytes(); }

		/* The content as text, up to the first NUL */
		std::string_view text() const
		{
			if (!_ds.valid()) return { };
			std::string_view s(_ds.local_addr<char>(), _ds.size());
			return s.substr(0, s.find('\0'));
		}
};

} /* namespace nestbox */
