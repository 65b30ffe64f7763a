/*
 * The LOG service of the dummy: every client line appears in the dummy's own
 * log, prefixed with the client's label
 *
 * Chaining dummies thus yields lines like
 * "[init -> server] [indirect_server] [client] client started", which lets a
 * scenario check which route a session took.
 */
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

#include <nestbox/log.h>
#include <nestbox/root_component.h>
#include <nestbox/timer.h>
#include <nestbox/session/log.h>
#include <nestbox/util/arg_string.h>

namespace Dummy {

	using namespace nestbox;

	class Log_service;
}


class Dummy::Log_service
{
	public:

		struct Attributes
		{
			bool verbose;

			/* absent: close silently; 0: say so; N: block N ms before closing */
			std::optional<uint64_t> delay_close_ms;

			/* a session request of this label makes the dummy abort: a server a client can crash */
			std::optional<std::string> abort_on_label { };
		};

	private:

		class Session_component : public Rpc_object<Log::Session>
		{
			private:

				std::string const _label;
				bool        const _verbose;

			public:

				Session_component(std::string label, bool verbose)
				: _label(std::move(label)), _verbose(verbose)
				{
					if (_verbose)
						log("opening session with label ", _label);
				}

				~Session_component()
				{
					if (_verbose)
						log("closing session with label ", _label);
				}

				Session_component(Session_component const &) = delete;

				void write(std::string_view line) override
				{
					/* a line is one line: a trailing newline of the client is redundant */
					while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
						line.remove_suffix(1);

					log("[", _label, "] ", line);
				}
		};

		class Root : public Root_component<Session_component>
		{
			private:

				Pd::Client               &_pd;
				Attributes          const _attr;
				Timer::Connection        *_timer;

				Result<std::unique_ptr<Session_component>> _create_session(std::string_view args) override
				{
					std::string const label = Arg_string::string(args, "label");
					if (_attr.abort_on_label && label == *_attr.abort_on_label) {
						log("session request with label ", label, ": aborting");
						std::abort();
					}
					return std::make_unique<Session_component>(label, _attr.verbose);
				}

				void _upgrade_session(Session_component &, std::string_view args) override
				{
					/*
					 * Only report an upgrade whose quota really arrived, so that a
					 * scenario can tell a transferred donation from a mere call.
					 */
					uint64_t const ram_quota = Arg_string::number(args, "ram_quota", 0);

					auto const ram = _pd.ram();
					uint64_t const avail = (ram && ram->limit > ram->used) ? ram->limit - ram->used : 0;
					if (!ram || avail >= ram_quota)
						log("received session quota upgrade");
				}

				void _destroy_session(Session_component &) override
				{
					if (!_attr.delay_close_ms)
						return;

					uint64_t const ms = *_attr.delay_close_ms;
					if (ms == 0 || !_timer) {
						log("close session without delay");
						return;
					}

					/*
					 * Deliberately block the entrypoint like Genode's dummy does:
					 * the delay models a server that is slow to answer a close
					 * request, which its parent must survive without blocking.
					 */
					log("delay close by ", ms, " ms");
					if (auto slept = _timer->msleep(ms); !slept)
						warning("delay close: ", error_name(slept.error()));
				}

			public:

				Root(Entrypoint &ep, Pd::Client &pd, Attributes attr, Timer::Connection *timer)
				: Root_component(ep), _pd(pd), _attr(attr), _timer(timer) { }
		};

		/* only a service that delays its close requests needs a timer */
		std::optional<Timer::Connection> _timer { };

		Root _root;

		Timer::Connection *_init_timer(Env &env, Attributes const &attr)
		{
			if (attr.delay_close_ms && *attr.delay_close_ms)
				_timer.emplace(env);

			return _timer ? &*_timer : nullptr;
		}

	public:

		Log_service(Env &env, Attributes attr)
		: _root(env.ep(), env.pd(), attr, _init_timer(env, attr))
		{
			/* the failure is logged with its reason; the script goes on without the service */
			if (!announce(env, "LOG", _root)) return;

			log("created LOG service");
		}

		Log_service(Log_service const &) = delete;
};
