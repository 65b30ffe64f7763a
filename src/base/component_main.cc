/*
 * Start-up of a component process
 *
 * Core starts every component with its environment at fixed descriptors
 * (see Env::Fd). The runtime wraps them, routes nestbox::log to the LOG
 * session, calls the component's 'construct' and dispatches forever.
 */

#include <nestbox/component.h>

#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace nestbox;

[[noreturn]] void Env::exit(int value)
{
	(void)_parent.exit(value);
	::_exit(value & 0xff);
}


bool Env::_request_resources(std::string const &args)
{
	if (!_resource_avail) {
		auto pair = Signal_pair::create();
		if (!pair) return false;
		_resource_avail = std::move(*pair);
		(void)_parent.resource_avail_sigh(_resource_avail->cap());
	}
	if (!_parent.resource_request(args)) return false;
	_resource_avail->wait();
	return true;
}


Result<Dataspace_capability> Env::alloc(size_t size)
{
	for (;;) {
		auto ds = _pd.alloc(size);
		if (ds || (ds.error() != Error::OUT_OF_RAM && ds.error() != Error::OUT_OF_CAPS))
			return ds;

		/*
		 * Ask for the whole amount (with a page for the rounding), as
		 * Genode's expanding PD does: the parent sees what the allocation
		 * needs, whatever happens to be left
		 */
		std::string const args = ds.error() == Error::OUT_OF_RAM
		                       ? "ram_quota=" + std::to_string(size + 4096) : "cap_quota=1";
		if (!_request_resources(args)) return ds;
	}
}


Result<void> Env::alloc_caps(uint32_t count)
{
	for (;;) {
		auto charged = _pd.alloc_caps(count);
		if (charged || charged.error() != Error::OUT_OF_CAPS) return charged;
		if (!_request_resources("cap_quota=" + std::to_string(count))) return charged;
	}
}


std::vector<std::pair<std::string, int>> Env::host_fds() const
{
	std::vector<std::pair<std::string, int>> fds;
	std::string_view rest = _host;
	while (!rest.empty()) {
		size_t const bar = rest.find('|');
		std::string_view const entry = rest.substr(0, bar);
		rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
		size_t const eq = entry.rfind('=');
		if (eq != std::string_view::npos)
			fds.emplace_back(entry.substr(0, eq), std::atoi(std::string(entry.substr(eq + 1)).c_str()));
	}
	return fds;
}


int Env::host_fd(std::string_view name) const
{
	for (auto const &[n, fd] : host_fds())
		if (n == name) return fd;
	return -1;
}


static bool is_socket(int fd)
{
	struct stat st { };
	return ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}


int main(int, char **argv)
{
	if (!is_socket(Env::PARENT_FD) || !is_socket(Env::LOG_FD)) {
		std::fprintf(stderr, "%s: this is a nestbox component; start it from a config with 'nestbox run'\n",
		             argv[0]);
		return 2;
	}

	/* a vanished signal receiver must not kill us: writes just fail with EPIPE */
	::signal(SIGPIPE, SIG_IGN);

	static Entrypoint ep;
	static Env env(ep,
	               Capability<Parent::Session>(Unique_fd(Env::PARENT_FD)),
	               Capability<Pd::Session>    (Unique_fd(Env::PD_FD)),
	               Capability<Cpu::Session>   (Unique_fd(Env::CPU_FD)),
	               Capability<Log::Session>   (Unique_fd(Env::LOG_FD)));

	if (char const *host = ::getenv("NESTBOX_HOST")) env.host_resources(host);

	Log_backend::install([] (std::string_view line) {
		/* long lines are split: a LOG message has a bounded size */
		do {
			(void)env.log().write(line.substr(0, Log::Session::MAX_LINE));
			line.remove_prefix(std::min(line.size(), size_t(Log::Session::MAX_LINE)));
		} while (!line.empty());
	});

	/*
	 * Answer the parent's heartbeats from the entrypoint: a component whose
	 * entrypoint hangs stops answering, which is what the parent watches for.
	 */
	struct Heartbeat
	{
		Env &env;
		Signal_handler<Heartbeat> handler { env.ep(), *this, &Heartbeat::beat };
		void beat() { (void)env.parent().heartbeat_response(); }
		explicit Heartbeat(Env &env) : env(env) { (void)env.parent().heartbeat_sigh(handler.cap()); }
	};
	static Heartbeat heartbeat(env);

	construct(env);
	ep.run();
	env.exit(0);
}
