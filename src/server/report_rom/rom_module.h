/*
 * ROM modules: the latest report of one writer, read by any number of ROM
 * sessions, and the registry that creates them on demand
 *
 * A module exists while a report session or a ROM session refers to it, so
 * a reader may connect before the first report arrives and a writer may
 * report before anybody reads. Each module has at most one writer at a
 * time: its name is the writer's session label, and two writers under one
 * label would overwrite each other's state.
 */
#pragma once

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nestbox/base/dataspace.h>
#include <nestbox/log.h>
#include <nestbox/session/pd.h>

namespace Report_rom {

	using namespace nestbox;

	struct Reader;
	class  Module;
	class  Registry;
}


/* What a module tells the ROM sessions that read it */
struct Report_rom::Reader
{
	virtual ~Reader() = default;

	/* The content changed: its version is now 'Module::version' */
	virtual void module_changed() = 0;
};


class Report_rom::Module
{
	private:

		std::string const _name;
		Pd::Client       &_pd;

		/* no content (nothing reported, or its writer left) reads as an invalid ROM */
		std::string _content { };

		/* counts changes, so a reader can tell whether it saw the latest */
		uint64_t _version = 0;

		bool                  _has_writer = false;
		std::vector<Reader *> _readers { };

		/*
		 * A sealed copy of the current version, shared by all readers. It is
		 * made on the first request after a change, so a writer that reports
		 * often costs nothing while nobody reads. A replaced copy is freed at
		 * the PD (it leaves our quota), yet stays valid for clients that still
		 * map it: nobody can write to it any more.
		 */
		Dataspace_capability _snapshot { };
		uint64_t             _snapshot_version = 0;

		void _free_snapshot()
		{
			if (_snapshot.valid())
				(void)_pd.free(std::move(_snapshot));
			_snapshot = Dataspace_capability();
		}

		void _changed()
		{
			_version++;
			_free_snapshot();

			/* a reader may not unregister itself from within the notification */
			for (Reader *reader : _readers)
				reader->module_changed();
		}

		Result<void> _make_snapshot()
		{
			/* one more byte for a terminating NUL: readers need not trust writers to send one */
			auto ds = _pd.alloc(_content.size() + 1);
			if (!ds) return failure(ds.error());

			{
				Attached_dataspace local(ds->copy());
				if (!local.valid()) {
					(void)_pd.free(std::move(*ds));
					return failure(Error::OUT_OF_RAM);
				}
				std::memcpy(local.local_addr(), _content.data(), _content.size());
				local.local_addr()[_content.size()] = 0;
			}

			Dataspace_capability rw_copy = ds->copy();
			auto ro = seal_readonly(std::move(*ds));
			if (!ro) {
				(void)_pd.free(std::move(rw_copy));
				return failure(ro.error());
			}

			_snapshot         = std::move(*ro);
			_snapshot_version = _version;
			return { };
		}

	public:

		Module(std::string name, Pd::Client &pd) : _name(std::move(name)), _pd(pd) { }

		~Module() { _free_snapshot(); }

		Module(Module const &) = delete;

		std::string const &name()    const { return _name; }
		uint64_t           version() const { return _version; }
		bool               in_use()  const { return _has_writer || !_readers.empty(); }

		/* Readers */

		void add_reader(Reader &reader) { _readers.push_back(&reader); }

		void remove_reader(Reader &reader)
		{
			_readers.erase(std::remove(_readers.begin(), _readers.end(), &reader), _readers.end());
		}

		/* Writer */

		bool has_writer() const { return _has_writer; }

		void attach_writer() { _has_writer = true; }

		/* The writer left: its state is no longer current, so readers must not keep seeing it */
		void detach_writer()
		{
			_has_writer = false;
			if (!_content.empty()) {
				_content.clear();
				_changed();
			}
		}

		void write(std::string_view content)
		{
			_content.assign(content);
			_changed();
		}

		/* Content */

		/* A read-only copy of the current content; UNAVAILABLE while there is none */
		Result<Dataspace_capability> dataspace()
		{
			if (_content.empty())
				return failure(Error::UNAVAILABLE);

			if (!_snapshot.valid() || _snapshot_version != _version)
				if (auto made = _make_snapshot(); !made) {
					warning("ROM module '", _name, "': no copy for readers: ", error_name(made.error()));
					return failure(made.error());
				}

			return _snapshot.copy();
		}
};


class Report_rom::Registry
{
	private:

		Pd::Client &_pd;

		std::map<std::string, std::unique_ptr<Module>, std::less<>> _modules { };

	public:

		explicit Registry(Pd::Client &pd) : _pd(pd) { }

		Registry(Registry const &) = delete;

		/* The module of that name, created if nobody refers to it yet */
		Module &lookup(std::string_view name)
		{
			auto it = _modules.find(name);
			if (it == _modules.end())
				it = _modules.emplace(std::string(name),
				                      std::make_unique<Module>(std::string(name), _pd)).first;
			return *it->second;
		}

		/* Forget a module nobody refers to any more, so that labels cannot pile up */
		void release(Module &module)
		{
			if (module.in_use())
				return;

			auto it = _modules.find(module.name());
			if (it != _modules.end() && it->second.get() == &module)
				_modules.erase(it);
		}
};
