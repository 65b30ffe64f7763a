/*
 * rpc_bench: RPC and signal round trips between two components
 *
 * One binary, two roles chosen by the config. The server announces a Ping
 * service; the client opens a Ping session through its parent, times
 * round trips and logs the medians. Unlike bench/base_bench, whose peers are
 * forked processes, both ends here are real components started by core and
 * init, so the figures include whatever the sandbox adds to every system
 * call (bench/sealing compares sealed against unsealed runs).
 *
 *   <config role="server"/>
 *   <config role="client" calls="200000" signals="100000" batches="5"/>
 */

#include <algorithm>
#include <chrono>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include <nestbox/component.h>
#include <nestbox/manifest.h>
#include <nestbox/root_component.h>

#include "ping_session.h"

/* the client needs Ping, the server provides it: which one depends on the role */
NESTBOX_MANIFEST(R"(
	<manifest>
		<requires> <service name="Ping" optional="yes"/> </requires>
		<provides> <service name="Ping"/> </provides>
	</manifest>)");

namespace Rpc_bench {

	using namespace nestbox;

	struct Server;
	struct Client;

	static uint64_t now_ns()
	{
		return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
			std::chrono::steady_clock::now().time_since_epoch()).count());
	}

	/* Times 'batches' runs of 'fn(n)' after a warm-up; returns ns per operation */
	template <typename FN>
	struct Figures
	{
		std::vector<double> per_op { };

		Figures(unsigned long total, unsigned batches, FN const &fn)
		{
			unsigned long const n = std::max(1ul, total / std::max(1u, batches));

			/* warm caches, page tables and both entrypoints' wake-up paths */
			fn(std::max(1ul, n / 10));

			for (unsigned i = 0; i < batches; i++) {
				uint64_t const start = now_ns();
				fn(n);
				per_op.push_back(double(now_ns() - start) / double(n));
			}
			std::sort(per_op.begin(), per_op.end());
		}

		uint64_t median() const { return per_op.empty() ? 0 : uint64_t(per_op[per_op.size() / 2]); }
		uint64_t min()    const { return per_op.empty() ? 0 : uint64_t(per_op.front()); }
		uint64_t max()    const { return per_op.empty() ? 0 : uint64_t(per_op.back()); }
	};
}


/*
 * The server: one session object per client, each with its own signal
 * handler, so that the signal round trip crosses the same two entrypoints
 * as the RPC.
 */
struct Rpc_bench::Server
{
	struct Session_component : Rpc_object<Ping::Session>
	{
		Signal_context_capability _pong { };

		Signal_handler<Session_component> _ping_handler;

		/* every submission is answered by one: the client counts them */
		void _handle_ping(unsigned count)
		{
			for (unsigned i = 0; i < count; i++)
				Signal_transmitter::submit(_pong);
		}

		Session_component(Entrypoint &ep) : _ping_handler(ep, *this, &Session_component::_handle_ping) { }

		uint64_t ping(uint64_t value) override { return value + 1; }

		void pong_sigh(Signal_context_capability cap) override { _pong = std::move(cap); }

		Signal_context_capability ping_cap() override { return _ping_handler.cap(); }
	};

	struct Root : Root_component<Session_component>
	{
		using Root_component::Root_component;

		Result<std::unique_ptr<Session_component>> _create_session(std::string_view) override
		{
			return std::make_unique<Session_component>(ep());
		}
	};

	Root _root;

	Server(Env &env) : _root(env.ep())
	{
		/* a bench without its server measures nothing: the failure (logged) ends it */
		if (!announce(env, "Ping", _root)) env.exit(-1);
		log("Ping service ready");
	}
};


/* The client: times, logs and exits */
struct Rpc_bench::Client
{
	Env &_env;

	Connection<Ping::Client> _ping { _env };

	unsigned long _pongs = 0;

	void _handle_pong(unsigned count) { _pongs += count; }

	Signal_handler<Client> _pong_handler { _env.ep(), *this, &Client::_handle_pong };

	void _rpc(unsigned long calls, unsigned batches)
	{
		Figures figures(calls, batches, [&] (unsigned long n) {
			for (unsigned long i = 0; i < n; i++) {
				auto reply = _ping.ping(i);
				if (!reply || *reply != i + 1) {
					error("ping ", i, " failed");
					_env.exit(1);
				}
			}
		});
		log("rpc round trip: ", figures.median(), " ns (median of ", batches, " batches; min ",
		    figures.min(), ", max ", figures.max(), ")");
	}

	/*
	 * Each signal goes to the server's handler, which answers with one to
	 * ours. We wait for the answer by dispatching our entrypoint, as any
	 * component does, before sending the next.
	 */
	void _signals(unsigned long signals, unsigned batches)
	{
		if (auto set = _ping.pong_sigh(_pong_handler.cap()); !set) {
			error("pong_sigh failed: ", error_name(set.error()));
			return;
		}
		auto ping = _ping.ping_cap();
		if (!ping || !ping->valid()) {
			error("no ping capability");
			return;
		}
		Figures figures(signals, batches, [&] (unsigned long n) {
			for (unsigned long i = 0; i < n; i++) {
				unsigned long const expected = _pongs + 1;
				Signal_transmitter::submit(*ping);
				while (_pongs < expected)
					_env.ep().dispatch_once(-1);
			}
		});
		log("signal round trip: ", figures.median(), " ns (median of ", batches, " batches; min ",
		    figures.min(), ", max ", figures.max(), ")");
	}

	Client(Env &env, pugi::xml_node config) : _env(env)
	{
		unsigned long const calls   = config.attribute("calls").as_ullong(200000);
		unsigned long const signals = config.attribute("signals").as_ullong(calls / 2);
		unsigned      const batches = std::max(1u, config.attribute("batches").as_uint(5));

		if (calls)   _rpc(calls, batches);
		if (signals) _signals(signals, batches);
		_env.exit(0);
	}
};


void nestbox::construct(nestbox::Env &env)
{
	using namespace Rpc_bench;

	static Attached_rom       config { env, "config" };
	static pugi::xml_document doc;

	std::string_view const text = config.text();
	pugi::xml_node   const node = doc.load_buffer(text.data(), text.size()) ? doc.document_element()
	                                                                        : pugi::xml_node();

	std::string_view const role = node.attribute("role").value();

	if (role == "server") { static Server server(env); return; }
	if (role == "client") { static Client client(env, node); return; }

	error("config: role must be \"server\" or \"client\"");
	env.exit(2);
}
