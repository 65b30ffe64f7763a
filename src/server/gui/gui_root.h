/*
 * Gui service: creates a session per client as the config's policy permits
 */
#pragma once

#include <optional>

#include <nestbox/log.h>
#include <nestbox/root_component.h>
#include <nestbox/util/arg_string.h>

#include "gui_session.h"

namespace Gui_server { class Gui_root; }


class Gui_server::Gui_root : public Root_component<Gui_session>
{
	public:

		struct Policy
		{
			virtual ~Policy() = default;

			/*
			 * The domain of a new session: nothing if no policy permits it,
			 * nullptr if its policy names no known domain (its views stay hidden)
			 */
			virtual std::optional<Domain const *> domain_for(std::string_view label) = 0;

			/* The session is about to be destroyed */
			virtual void session_closing(Gui_session &) = 0;
		};

	private:

		Gui_session::Resources const _resources;
		Policy                      &_policy;

		Result<Attached_dataspace> _alloc(size_t size)
		{
			auto ds = _resources.pd.alloc(Gui_session::page_rounded(size));
			if (!ds) return failure(ds.error());
			Attached_dataspace mapped(std::move(*ds));
			if (!mapped.valid()) return failure(Error::OUT_OF_RAM);
			return mapped;
		}

		void _free(Attached_dataspace &ds) { if (ds.valid()) (void)_resources.pd.free(ds.cap().copy()); }

		Result<std::unique_ptr<Gui_session>> _create_session(std::string_view args) override
		{
			std::string const label = Arg_string::string(args, "label");
			uint64_t    const quota = Arg_string::number(args, "ram_quota");

			if (quota < Gui_session::SESSION_COST) {
				warning("\"", label, "\": a Gui session needs a ram_quota of at least ",
				        Arg_string::format_size(Gui_session::SESSION_COST));
				return failure(Error::OUT_OF_RAM);
			}
			if (Arg_string::number(args, "cap_quota") < Gui_session::SESSION_CAPS) {
				warning("\"", label, "\": a Gui session needs a cap_quota of at least ",
				        unsigned(Gui_session::SESSION_CAPS));
				return failure(Error::OUT_OF_CAPS);
			}

			auto const domain = _policy.domain_for(label);
			if (!domain) {
				warning("no policy for Gui session \"", label, "\"");
				return failure(Error::DENIED);
			}

			auto input = _alloc(Input::EVENT_BUFFER_SIZE);
			if (!input) return failure(input.error());

			auto commands = _alloc(sizeof(Gui::Command_buffer));
			if (!commands) { _free(*input); return failure(commands.error()); }

			return std::make_unique<Gui_session>(_resources, label, *domain, quota,
			                                     std::move(*input), std::move(*commands));
		}

		void _upgrade_session(Gui_session &s, std::string_view args) override
		{
			s.upgrade(Arg_string::number(args, "ram_quota"));
		}

		void _destroy_session(Gui_session &s) override { _policy.session_closing(s); }

	public:

		Gui_root(Gui_session::Resources const &resources, Policy &policy)
		: Root_component(resources.ep), _resources(resources), _policy(policy) { }

		/* The session of that label, or nullptr */
		Gui_session *session_by_label(std::string_view label)
		{
			Gui_session *found = nullptr;
			for_each_session([&] (Gui_session &s) { if (!found && s.label() == label) found = &s; });
			return found;
		}
};
