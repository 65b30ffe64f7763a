/*
 * Report service: each session feeds the ROM module named after its label
 */
#pragma once

#include <string>

#include <nestbox/log.h>
#include <nestbox/root_component.h>
#include <nestbox/session/report.h>
#include <nestbox/util/arg_string.h>

#include "rom_module.h"

namespace Report_rom {

	class Report_session;
	class Report_root;
}


class Report_rom::Report_session : public Rpc_object<Report::Session>
{
	private:

		Pd::Client        &_pd;
		Registry          &_registry;
		Module            &_module;
		Attached_dataspace _buffer;
		bool const        &_verbose;

		/* the session label, which names the module: in the base's warnings about this client */
		std::string client_name() const override { return _module.name(); }

		/* Genode's report_rom shows a report line by line, indented under its name */
		void _log_report(std::string_view text) const
		{
			log("report '", _module.name(), "'");
			while (!text.empty()) {
				size_t const end = text.find('\n');
				log("  ", text.substr(0, end));
				if (end == std::string_view::npos) break;
				text.remove_prefix(end + 1);
			}
		}

	public:

		/* 'module' has no writer yet; 'buffer' was allocated from 'pd' and is mapped */
		Report_session(Pd::Client &pd, Registry &registry, Module &module,
		               Attached_dataspace &&buffer, bool const &verbose)
		:
			_pd(pd), _registry(registry), _module(module),
			_buffer(std::move(buffer)), _verbose(verbose)
		{
			_module.attach_writer();
		}

		~Report_session()
		{
			_module.detach_writer();
			_registry.release(_module);
			(void)_pd.free(_buffer.cap().copy());
		}

		Report_session(Report_session const &) = delete;

		Result<Dataspace_capability> dataspace() override { return _buffer.cap().copy(); }

		Result<void> submit(uint64_t length) override
		{
			/* the client owns the length: never read beyond the buffer it has */
			if (length > _buffer.size()) {
				warning("report '", _module.name(), "': length ", length,
				        " exceeds the buffer of ", _buffer.size(), " bytes, ignored");
				return failure(Error::INVALID_ARGS);
			}

			/*
			 * The client may write to the buffer while we read it. Copying it
			 * once, before anything looks at it, gives the log and the readers
			 * the same bytes.
			 */
			std::string const content(_buffer.local_addr<char>(), size_t(length));

			if (_verbose)
				_log_report(content);

			_module.write(content);
			return { };
		}
};


class Report_rom::Report_root : public Root_component<Report_session>
{
	private:

		Pd::Client &_pd;
		Registry   &_registry;
		bool const &_verbose;

		Result<Attached_dataspace> _alloc_buffer(uint64_t size)
		{
			auto ds = _pd.alloc(size);
			if (!ds) return failure(ds.error());

			Attached_dataspace buffer(ds->copy());
			if (!buffer.valid()) {
				(void)_pd.free(std::move(*ds));
				return failure(Error::OUT_OF_RAM);
			}
			return buffer;
		}

		Result<std::unique_ptr<Report_session>> _create_session(std::string_view args) override
		{
			std::string const label = Arg_string::string(args, "label");
			uint64_t    const size  = Arg_string::number(args, "buffer_size", 0);

			if (size == 0) {
				warning("report '", label, "': no buffer_size given");
				return failure(Error::INVALID_ARGS);
			}

			/* the buffer is our memory: as at core, the session quota must pay for it */
			if (Arg_string::number(args, "ram_quota") < size) {
				warning("report '", label, "': ram_quota must cover buffer_size (",
				        Arg_string::format_size(size), ")");
				return failure(Error::OUT_OF_RAM);
			}

			Module &module = _registry.lookup(label);
			if (module.has_writer()) {
				warning("report '", label, "': a report session of that label exists already");
				return failure(Error::DENIED);
			}

			auto buffer = _alloc_buffer(size);
			if (!buffer) {
				warning("report '", label, "': no buffer of ", Arg_string::format_size(size),
				        ": ", error_name(buffer.error()));
				_registry.release(module);
				return failure(buffer.error());
			}

			return std::make_unique<Report_session>(_pd, _registry, module, std::move(*buffer), _verbose);
		}

	public:

		Report_root(Entrypoint &ep, Pd::Client &pd, Registry &registry, bool const &verbose)
		: Root_component(ep), _pd(pd), _registry(registry), _verbose(verbose) { }
};
