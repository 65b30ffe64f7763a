/*
 * nestbox: core, the root of the component tree
 *
 * Core owns the host resources. It provides the base services (LOG, ROM, PD,
 * CPU, Timer, Report), starts init with the user's config and is the only
 * process that ever starts processes. Before it starts init, it checks the
 * config (the checker is passed in by the CLI). The run ends when init is
 * idle (unless --keep-running), on --until, --timeout or a signal; however it
 * ends, core kills and reaps every process it started.
 */

#include "run.h"

#include <csignal>
#include <cstring>
#include <filesystem>
#include <cstdio>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <nestbox/base/rpc.h>
#include <nestbox/log.h>
#include <nestbox/version.h>

#include <nestbox/init/config_check.h>

#include "core_parent.h"
#include "cpu_service.h"
#include "log_service.h"
#include "options.h"
#include "pd_service.h"
#include "report_service.h"
#include "rootless.h"
#include "rom_service.h"
#include "timer_service.h"

using namespace nestbox;

namespace Core { struct Main; }

struct Core::Main : Until_reached, Child_exit, Io_handler
{
	Options const &options;

	Entrypoint ep { };

	int  exit_code = 0;
	bool done      = false;

	Log_output output { options.until, *this };

	Rom_modules rom_modules { ep, Core::rom_dirs(options), std::filesystem::absolute(options.config_path).string() };

	Log_root    log_root    { ep, output };
	Rom_root    rom_root    { ep, rom_modules };
	Cpu_root    cpu_root    { ep };
	Pd_root     pd_root     { ep, output, cpu_root, options.sealed, options.seccomp_audit };
	Timer_root  timer_root  { ep };
	Report_root report_root { ep, options.report_dir };

	Local_services services {
		{ "LOG", &log_root }, { "ROM", &rom_root }, { "CPU", &cpu_root },
		{ "PD", &pd_root }, { "Timer", &timer_root }, { "Report", &report_root } };

	/* SIGINT/SIGTERM arrive as readable signalfd */
	Unique_fd signals = [] {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGHUP);
		::sigprocmask(SIG_BLOCK, &set, nullptr);
		Unique_fd fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
		if (!fd.valid())
			std::fprintf(stderr, "nestbox: cannot create a signalfd: %s\n", std::strerror(errno));
		return fd;
	}();

	struct Timeout : Io_handler
	{
		Main &main;
		Unique_fd fd { ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK) };
		explicit Timeout(Main &main) : main(main)
		{
			if (!fd.valid() && main.options.timeout_s)
				std::fprintf(stderr, "nestbox: cannot create the --timeout timer: %s\n", std::strerror(errno));
		}
		void handle_io(uint32_t) override
		{
			if (main.options.until)
				std::fprintf(stderr, "nestbox: timeout after %g s: no log line matched '%s'\n",
				             *main.options.timeout_s, main.options.until->c_str());
			else
				std::fprintf(stderr, "nestbox: timeout after %g s\n", *main.options.timeout_s);
			main.finish(1);
		}
	} timeout { *this };

	Pd_session_component *init_pd = nullptr;
	std::unique_ptr<Core_parent> init_parent { };

	Signal_handler<Main> init_exit_handler { ep, *this, &Main::handle_init_exit };

	void finish(int code)
	{
		if (done) return;
		done      = true;
		exit_code = code;
		ep.stop();
	}

	void until_reached() override { finish(0); }

	void child_exited(int value) override
	{
		output.write("init", concat("exited with exit value ", value));
		finish(value == 0 ? 0 : 1);
	}

	/*
	 * init has nothing left to do: every child exited or is incomplete and
	 * none can start before the config changes. Unless asked to wait for such
	 * a change, the run ends with init's verdict.
	 */
	void child_idle(int value) override
	{
		if (options.keep_running) return;
		output.core_line(value == 0 ? "init is idle, every child exited with 0: the run ends"
		                            : "init is idle, not every child exited with 0: the run ends");
		finish(value == 0 ? 0 : 1);
	}

	void handle_init_exit()
	{
		Pd::Exit_status const s = init_pd->exit_status();
		if (done) return;
		if (s.state == Pd::Exit_status::KILLED && s.syscall[0])
			output.core_line(concat("init killed: forbidden system call ", s.syscall));
		else if (s.state == Pd::Exit_status::KILLED)
			output.core_line(concat("init killed by signal ", s.value, " (", strsignal(s.value), ")"));
		else if (s.state == Pd::Exit_status::EXITED && s.value == 127)
			output.core_line("init could not be executed");
		else if (s.state == Pd::Exit_status::EXITED)
			output.core_line(concat("init exited with exit value ", s.value));
		finish(1);
	}

	void handle_io(uint32_t) override   /* SIGINT, SIGTERM, SIGHUP */
	{
		signalfd_siginfo info { };
		if (::read(signals.get(), &info, sizeof(info)) == sizeof(info))
			finish(0);
	}

	bool start_init()
	{
		auto binary = rom_modules.dataspace("init");
		if (!binary) {
			std::fprintf(stderr, "nestbox: the 'init' binary is in none of the ROM directories\n");
			return false;
		}

		std::string const label_arg = "label=\"init\"";
		auto pd = pd_root.session(label_arg + ", ram_quota=" + std::to_string(options.init_ram)
		                          + ", cap_quota=" + std::to_string(options.init_caps));
		auto log = log_root.session(label_arg);
		auto cpu = cpu_root.session(label_arg);
		if (!pd || !log || !cpu) {
			std::fprintf(stderr, "nestbox: cannot create the environment of init\n");
			return false;
		}
		init_pd = ep.lookup_as<Pd_session_component>(pd->cap);

		init_parent = std::make_unique<Core_parent>(ep, "init", services, *init_pd, *this);
		auto parent_cap = manage(ep, *init_parent);
		if (!parent_cap) return false;

		(void)init_pd->exit_sigh(init_exit_handler.cap());
		auto started = init_pd->start(std::move(*binary), std::move(*parent_cap),
		                              Capability<Log::Session>(std::move(log->cap)),
		                              Capability<Cpu::Session>(std::move(cpu->cap)));
		if (!started) {
			std::fprintf(stderr, "nestbox: cannot start init: %s\n", error_name(started.error()).data());
			return false;
		}
		return true;
	}

	Main(Options const &options) : options(options)
	{
		Log_backend::install([this] (std::string_view line) { output.core_line(line); });

		if (!options.sealed)
			output.core_line("Warning: components run unsealed (--unsealed): they can reach the whole host");
		else if (Rootless::active())
			for (std::string const &line : Rootless::warnings(pd_root.cgroups->problem()))
				output.core_line(line);
		else if (!pd_root.cgroups->enforced())
			output.core_line(concat("Warning: no memory cgroup (", pd_root.cgroups->problem(),
			                        "): RAM quotas are not enforced by the kernel"));
		if (options.sealed && options.seccomp_audit)
			output.core_line("Warning: seccomp audit mode (--seccomp-audit): calls the filter refuses are"
			                 " logged and allowed");

		/* a changed config that init will reject is reported here with its file name */
		rom_modules.on_change([this] (std::string const &path) {
			if (path != rom_modules.config_path()) return;
			if (auto problem = Init::check_config_file(path))
				output.core_line(concat("Error: ", *problem, " (the previous config stays in force)"));
		});

		ep.watch(signals.get(), *this, EPOLLIN);

		if (options.timeout_s && timeout.fd.valid()) {
			double const t = *options.timeout_s;
			itimerspec spec { { 0, 0 }, { time_t(t), long((t - double(time_t(t))) * 1e9) } };
			if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
			if (::timerfd_settime(timeout.fd.get(), 0, &spec, nullptr) < 0) {
				std::fprintf(stderr, "nestbox: cannot set the --timeout timer: %s\n", std::strerror(errno));
				timeout.fd.reset();
			}
			else ep.watch(timeout.fd.get(), timeout, EPOLLIN);
		}
	}

	int run()
	{
		/* without them, Ctrl-C or --timeout could not end the run (the reason is printed) */
		if (!signals.valid()) return 1;
		if (options.timeout_s && !timeout.fd.valid()) return 1;
		if (!start_init()) return 1;
		while (!done) ep.dispatch_once(-1);

		/* no process of the run may outlive it */
		pd_root.kill_all();
		return exit_code;
	}
};


int Core::run_main(int argc, char **argv, Start_check const &start_check)
{
	auto options = Core::parse_options(argc, argv);
	if (!options) return 2;

	switch (options->command) {
	case Core::Options::Command::HELP:    Core::print_help("nestbox"); return 0;
	case Core::Options::Command::VERSION: std::printf("nestbox %s\n", nestbox::version); return 0;
	case Core::Options::Command::RUN:     break;
	}

	if (auto problem = Init::check_config_file(options->config_path)) {
		std::fprintf(stderr, "%s\n", problem->c_str());
		return 2;
	}

	/* a report directory that cannot be made would lose every report: say so now */
	if (!options->report_dir.empty()) {
		std::error_code ec;
		std::filesystem::create_directories(options->report_dir, ec);
		if (ec || !std::filesystem::is_directory(options->report_dir, ec)) {
			std::fprintf(stderr, "nestbox run: --report-dir %s: cannot create it: %s\n",
			             options->report_dir.c_str(), ec ? ec.message().c_str() : std::strerror(ENOTDIR));
			return 2;
		}
	}
	if (options->check && start_check && !start_check(*options, Core::rom_dirs(*options))) {
		std::fprintf(stderr, "nestbox run: %s: not started: the config has errors"
		             " (--no-check starts it anyway)\n", options->config_path.c_str());
		return 2;
	}

	/* a client that vanished must not kill core through a write to its pipe */
	::signal(SIGPIPE, SIG_IGN);

	/* core holds a few descriptors per component: allow as many as the host does */
	rlimit files { };
	if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
		files.rlim_cur = files.rlim_max;
		::setrlimit(RLIMIT_NOFILE, &files);
	}

	/* an ordinary user seals with user namespaces, where the kernel allows them */
	if (options->sealed && Core::Rootless::active())
		if (auto const problem = Core::Rootless::user_namespaces_unavailable()) {
			std::fprintf(stderr, "nestbox: cannot seal components as an ordinary user: %s; run as root,"
			             " allow unprivileged user namespaces, or use 'nestbox run --unsealed'"
			             " (components then reach the whole host)\n", problem->c_str());
			return 1;
		}

	Core::Main main(*options);
	return main.run();
}
