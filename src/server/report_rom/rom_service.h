/*
 * ROM service: hands out the module that the server's policy assigns to a
 * client's label
 */
#pragma once

#include <optional>
#include <string>

#include <nestbox/base/signal.h>
#include <nestbox/log.h>
#include <nestbox/root_component.h>
#include <nestbox/session/rom.h>
#include <nestbox/util/arg_string.h>

#include "rom_module.h"

namespace Report_rom {

	struct Rom_policy;
	class  Rom_session;
	class  Rom_root;
}


/* Which report a ROM client may read: the 'report' of its <policy> */
struct Report_rom::Rom_policy
{
	virtual ~Rom_policy() = default;

	/* The module name for a client label, or nothing: the client is denied */
	virtual std::optional<std::string> report_for(std::string_view rom_label) = 0;
};


class Report_rom::Rom_session : public Rpc_object<Rom::Session>, private Reader
{
	private:

		Registry          &_registry;
		Module            &_module;
		std::string const  _label;   /* the client's, for the base's warnings about it */

		Signal_context_capability _sigh { };

		/* the module version the client has seen, via 'dataspace' or 'update' */
		uint64_t _client_version = 0;

		bool _outdated() const { return _client_version != _module.version(); }

		/* one signal per version the client has not seen: more would wake it for nothing */
		void _notify_client()
		{
			if (_outdated())
				Signal_transmitter::submit(_sigh);
		}

		void module_changed() override { _notify_client(); }

	public:

		Rom_session(Registry &registry, Module &module, std::string label)
		: _registry(registry), _module(module), _label(std::move(label))
		{
			_module.add_reader(*this);
		}

		std::string client_name() const override { return _label; }

		~Rom_session()
		{
			_module.remove_reader(*this);
			_registry.release(_module);
		}

		Rom_session(Rom_session const &) = delete;

		Result<Dataspace_capability> dataspace() override
		{
			_client_version = _module.version();
			return _module.dataspace();
		}

		/*
		 * A dataspace handed out never changes, so the content can be "up to
		 * date in place" only if there is nothing new.
		 */
		bool update() override { return !_outdated(); }

		void sigh(Signal_context_capability cap) override
		{
			_sigh = std::move(cap);

			/* a report between the client's first fetch and this call must not go unnoticed */
			_notify_client();
		}
};


class Report_rom::Rom_root : public Root_component<Rom_session>
{
	private:

		Registry   &_registry;
		Rom_policy &_policy;

		Result<std::unique_ptr<Rom_session>> _create_session(std::string_view args) override
		{
			std::string const label = Arg_string::string(args, "label");

			std::optional<std::string> const report = _policy.report_for(label);
			if (!report)
				return failure(Error::DENIED);

			return std::make_unique<Rom_session>(_registry, _registry.lookup(*report), label);
		}

	public:

		Rom_root(Entrypoint &ep, Registry &registry, Rom_policy &policy)
		: Root_component(ep), _registry(registry), _policy(policy) { }
};
