/*
 * 'nestbox test SCENARIO.xml': scripted scenario tests
 *
 * A scenario is a sequence of steps in the vocabulary of Genode's init test
 * (init_config, expect_log, expect_init_state, sleep, message). The runner
 * starts 'nestbox run' on the scenario's config as a child process, follows
 * its output line by line and executes the steps in order. However the
 * scenario ends, the runner ends the run and then checks that nothing of it
 * survived: no process and no dataspace (memfd) named after the run's core.
 */


#include "scenario_test.h"

#include <getopt.h>

#include <nestbox/cli/command_line.h>
#include <nestbox/init/config_check.h>
#include <nestbox/version.h>
#include "scenario_support.h"
#include "requirement.h"


using namespace Scenario_test;


static void print_help()
{
	std::printf(
"Usage: nestbox test [--timeout SECONDS] [--step-timeout SECONDS] [--keep-going]\n"
"                    [--keep-dir] [--verbose] [--update-references] SCENARIO.xml\n"
"\n"
"Runs a scripted scenario: a <scenario> of steps executed in order, in the\n"
"vocabulary of Genode's init test. A <config> root is Genode's own form of\n"
"the same file (its init test runs unchanged, see below).\n"
"\n"
"  <init_config>           an init config (its content, or one <config> node);\n"
"                          the first starts 'nestbox run' on it, a later one\n"
"                          replaces the config file atomically\n"
"  <expect_log string/>    waits for a log line equal to 'string', where '*'\n"
"                          matches any run of characters; lines are consumed in\n"
"                          order, so each step only sees lines after the last match\n"
"  <expect_stderr string/> the same for the run's standard error\n"
"  <expect_warning string colored/>\n"
"                          waits for the log line 'string' followed by\n"
"                          'colored' (Genode prints the latter in color): a\n"
"                          warning such as \"[init] \" \"Warning: ...\"\n"
"  <expect_init_state>     polls REPORT_DIR/init/state until it matches the\n"
"                          conditions <attribute name value|higher|lower/>,\n"
"                          <node name> (nested) and <not>\n"
"  <expect_screenshot report reference/>\n"
"                          polls the PNG report (relative to REPORT_DIR) until it\n"
"                          equals the PNG 'reference' (relative to the scenario)\n"
"                          pixel by pixel; on a mismatch the actual image is kept\n"
"                          as REPORT.actual.png in the kept directory\n"
"  <expect_pixel report x y color=\"#rrggbb\"/>\n"
"                          polls the PNG report until that pixel has that color\n"
"  <sleep ms/>             waits (default 250 ms) while output is collected\n"
"  <message string/>       prints the string\n"
"  <nop/>                  does nothing\n"
"\n"
"Attributes of <scenario>: timeout=\"SECONDS\" for the whole scenario (default\n"
"10); step_timeout=\"SECONDS\" for each step that waits (default: the whole\n"
"timeout); init_ram=\"SIZE\" and init_caps=\"N\" give init its quota (default\n"
"those of 'nestbox run'); config_file=\"PATH\" runs that config file (relative to the scenario)\n"
"instead of <init_config>; expect_exit=\"N\" waits for the run to exit with N\n"
"after the last step instead of ending it; rom_dir=\"DIR\" serves ROM modules\n"
"from DIR as well (nestbox run --rom-dir); requires=\"memory_cgroup\" or\n"
"requires=\"i386_abi\" skips the scenario (exit status 77) on a machine without\n"
"a memory cgroup or without the kernel's i386 system-call entry (int 0x80);\n"
"check=\"no\" starts the first config even if the check of 'nestbox run'\n"
"refuses it (nestbox run --no-check), for scenarios about broken configs;\n"
"keep_running=\"no\" lets the run end by itself once init is idle (with\n"
"expect_exit); by default the run keeps running (nestbox run --keep-running)\n"
"so that a step may reconfigure after every child has exited.\n"
"\n"
"Genode's form: a <config> root holds the same steps; its defaults are those\n"
"of Genode's test-init package: timeout 332, step_timeout 30, init_ram 16M,\n"
"init_caps 2000. The root may carry the same attributes to override them.\n"
"\n"
"Steps are the checks: <init_config> and the <expect_*> steps; <sleep>,\n"
"<message> and <nop> are not counted.\n"
"\n"
"Options (values as '--opt VALUE' or '--opt=VALUE'):\n"
"  --timeout SECONDS  overrides the scenario's timeout\n"
"  --step-timeout SECONDS\n"
"                     overrides the scenario's step timeout\n"
"  --keep-going       after a failed step, go on with the next one and report\n"
"                     every failed step and how many steps passed\n"
"  --keep-dir         keep the temporary directory (config, reports) and print it\n"
"  -v, --verbose      echo every line of the run and every step as it starts\n"
"                     (\"step N/TOTAL (line L): <step>\")\n"
"  --update-references\n"
"                     <expect_screenshot> writes the actual screenshot as its\n"
"                     reference instead of comparing (look at it before committing)\n"
"  -h, --help         print this help\n"
"  --version          print the version of nestbox\n"
"\n"
"After the run has ended, the runner checks that no process of the run is\n"
"left (it is a child subreaper, so orphans of the run become its children)\n"
"and that no process holds a dataspace of the run's core. Either fails the\n"
"scenario.\n"
"\n"
"Exit status: 0 passed, 1 failed, 2 usage error or malformed scenario,\n"
"77 skipped (the machine lacks what the scenario requires).\n");
}


struct Scenario_test::Args
{
	std::optional<double> timeout_s { };
	std::optional<double> step_timeout_s { };
	bool                  keep_going = false;
	bool                  keep_dir = false;
	bool                  verbose  = false;
	bool                  update_references = false;
	bool                  help     = false;
	bool                  version  = false;
	std::string           path { };

	static std::optional<Args> parse(int argc, char **argv)
	{
		Args a;
		Cli::Command_line const command_line("test", argc, argv);

		enum { TIMEOUT = 256, STEP_TIMEOUT, KEEP_GOING, KEEP_DIR, UPDATE_REFERENCES, VERSION };
		static option const long_options[] = {
			{ "timeout",           required_argument, nullptr, TIMEOUT },
			{ "step-timeout",      required_argument, nullptr, STEP_TIMEOUT },
			{ "keep-going",        no_argument,       nullptr, KEEP_GOING },
			{ "keep-dir",          no_argument,       nullptr, KEEP_DIR },
			{ "verbose",           no_argument,       nullptr, 'v' },
			{ "update-references", no_argument,       nullptr, UPDATE_REFERENCES },
			{ "version",           no_argument,       nullptr, VERSION },
			{ "help",              no_argument,       nullptr, 'h' },
			{ nullptr, 0, nullptr, 0 } };

		using Cli::Verdict;
		bool stopped = false;
		auto const operands = command_line.parse("hv", long_options, [&] (int opt, std::string const &v) {
			switch (opt) {
			case 'h':               a.help = true;    return Verdict::stop();
			case VERSION:           a.version = true; return Verdict::stop();
			case 'v':               a.verbose = true; return Verdict::go_on();
			case KEEP_DIR:          a.keep_dir = true; return Verdict::go_on();
			case KEEP_GOING:        a.keep_going = true; return Verdict::go_on();
			case STEP_TIMEOUT:
				a.step_timeout_s = Cli::positive_seconds(v);
				return a.step_timeout_s ? Verdict::go_on() : Verdict::usage("--step-timeout: not a positive number: " + v);
			case UPDATE_REFERENCES: a.update_references = true; return Verdict::go_on();
			case TIMEOUT:
				a.timeout_s = Cli::positive_seconds(v);
				return a.timeout_s ? Verdict::go_on() : Verdict::usage("--timeout: not a positive number: " + v);
			}
			return Verdict::go_on();
		}, stopped);
		if (stopped) return a;
		if (!operands) return std::nullopt;

		auto const path = command_line.one_operand(*operands, "SCENARIO.xml", "scenario");
		if (!path) return std::nullopt;
		a.path = *path;
		return a;
	}
};


struct Scenario_test::Main
{
	Args const &args;

	std::string const name = std::filesystem::path(args.path).stem().string();
	std::filesystem::path const scenario_dir =
		std::filesystem::absolute(args.path).parent_path();

	pugi::xml_document doc { };
	std::string        text { };
	pugi::xml_node     scenario { };

	/*
	 * Genode's form of the file (a <config> root) gets the limits of Genode's
	 * test-init package (repos/os/recipes/pkg/test-init/runtime): the test
	 * fails after 332 s, init runs with 16 MiB and 2000 capabilities. Genode's
	 * runner has no per-step limit; ours stops a stuck step after 30 s so that
	 * a failure names its step long before the whole test would time out.
	 */
	struct Genode_defaults
	{
		static constexpr double   timeout_s      = 332;
		static constexpr double   step_timeout_s = 30;
		static constexpr uint64_t init_ram       = 16ull << 20;
		static constexpr uint64_t init_caps      = 2000;
	};

	bool genode_form = false;

	double                  timeout_s = 10;
	std::optional<double>   step_timeout_s { };
	std::optional<uint64_t> init_ram  { };    /* nestbox run's default if unset */
	std::optional<uint64_t> init_caps { };
	Deadline                deadline  { };
	Deadline                step_deadline { };   /* the earlier of the step's and the whole one */

	/* the checks among the steps: init_config and expect_* */
	unsigned total_steps  = 0;
	unsigned passed_steps = 0;

	std::filesystem::path dir { };         /* temporary: config.xml, report/ */
	Run                   run { };

	/* SIGINT/SIGTERM/SIGHUP end the scenario as a failure, cleanly */
	Unique_fd signals { };

	std::vector<std::string> problems { };  /* why the scenario failed */

	/* a mismatching screenshot is worth a look: its directory stays */
	bool keep_for_look = false;

	Main(Args const &args) : args(args) { }

	~Main()
	{
		std::error_code ec;
		if (dir.empty()) return;
		if (args.keep_dir || keep_for_look) std::printf("scenario %s: kept %s\n", name.c_str(), dir.c_str());
		else std::filesystem::remove_all(dir, ec);
	}

	/* prints FILE:LINE:COLUMN: message for a problem in the scenario file */
	int malformed(size_t offset, std::string const &message)
	{
		/* pugixml points at a node's name; point at its '<' */
		if (offset > 0 && offset <= text.size() && text[offset - 1] == '<') offset--;
		auto [line, column] = Init::line_column(text, offset);
		std::fprintf(stderr, "%s:%u:%u: %s\n", args.path.c_str(), line, column, message.c_str());
		return USAGE;
	}

	int load()
	{
		std::ifstream in(args.path, std::ios::binary);
		if (!in) {
			std::fprintf(stderr, "nestbox test: cannot read '%s': %s\n", args.path.c_str(), std::strerror(errno));
			return USAGE;
		}
		std::stringstream ss;
		ss << in.rdbuf();
		text = ss.str();

		pugi::xml_parse_result const parsed = doc.load_buffer(text.data(), text.size());
		if (!parsed) return malformed(size_t(parsed.offset), parsed.description());

		scenario = doc.document_element();
		std::string_view const root = scenario.name();
		if (root != "scenario" && root != "config")
			return malformed(size_t(scenario.offset_debug()),
			                 "the top-level node must be <scenario> (or Genode's <config>)");
		genode_form = (root == "config");
		if (genode_form) {
			timeout_s      = Genode_defaults::timeout_s;
			step_timeout_s = Genode_defaults::step_timeout_s;
			init_ram       = Genode_defaults::init_ram;
			init_caps      = Genode_defaults::init_caps;
		}

		size_t const root_at = size_t(scenario.offset_debug());
		for (char const *limit : { "timeout", "step_timeout" }) {
			pugi::xml_attribute const t = scenario.attribute(limit);
			if (!t) continue;
			auto const seconds = Cli::positive_seconds(t.value());
			if (!seconds) return malformed(root_at, std::string(limit) + ": not a positive number of seconds");
			(std::string_view(limit) == "timeout" ? timeout_s : step_timeout_s.emplace()) = *seconds;
		}
		if (args.timeout_s)      timeout_s      = *args.timeout_s;
		if (args.step_timeout_s) step_timeout_s = *args.step_timeout_s;

		for (char const *quota : { "init_ram", "init_caps" }) {
			pugi::xml_attribute const q = scenario.attribute(quota);
			if (!q) continue;
			auto const value = nestbox::Arg_string::parse_size(q.value());
			if (!value || *value == 0)
				return malformed(root_at, std::string(quota) + ": not a positive "
				                          + (std::string_view(quota) == "init_ram" ? "size" : "number"));
			(std::string_view(quota) == "init_ram" ? init_ram : init_caps) = *value;
		}

		/* what the machine must have; a scenario that needs more is skipped, saying why */
		if (auto const required = scenario.attribute("requires")) {
			Requirement const *r = requirement(required.value());
			if (!r)
				return malformed(size_t(scenario.offset_debug()),
				                 std::string("requires: unknown requirement (known: ")
				                     .append(requirement_names()).append(")"));
			if (std::string const absent = r->absent(); !absent.empty()) {
				std::printf("scenario %s: %s: %s\n", name.c_str(),
				            in_ci() ? "SKIPPED under CI" : "skipped", absent.c_str());
				return SKIPPED;
			}
		}

		bool const config_file = scenario.attribute("config_file");
		bool       config_seen = config_file;
		for (pugi::xml_node step : scenario.children()) {
			if (step.type() != pugi::node_element) continue;
			std::string_view const tag = step.name();
			size_t const at = size_t(step.offset_debug());

			if (tag == "init_config") {
				if (config_file)
					return malformed(at, "<init_config> in a scenario with a config_file");
				config_seen = true;
			}
			else if (tag == "expect_log" || tag == "expect_stderr" || tag == "expect_warning") {
				if (!step.attribute("string")) return malformed(at, "<" + std::string(tag) + "> without a string");
				if (!config_seen) return malformed(at, "<" + std::string(tag) + "> before the first <init_config>");
			}
			else if (tag == "expect_init_state") {
				if (!config_seen) return malformed(at, "<expect_init_state> before the first <init_config>");
			}
			else if (tag == "expect_screenshot" || tag == "expect_pixel") {
				if (!config_seen) return malformed(at, "<" + std::string(tag) + "> before the first <init_config>");
				if (!step.attribute("report")) return malformed(at, "<" + std::string(tag) + "> without a report");
				if (tag == "expect_screenshot" && !step.attribute("reference"))
					return malformed(at, "<expect_screenshot> without a reference");
				if (tag == "expect_pixel") {
					if (step.attribute("x").as_llong(-1) < 0 || step.attribute("y").as_llong(-1) < 0)
						return malformed(at, "<expect_pixel> needs x and y (0 or more)");
					if (!Image::parse_color(step.attribute("color").value()))
						return malformed(at, "<expect_pixel> needs a color=\"#rrggbb\"");
				}
			}
			else if (tag == "sleep") {
				if (step.attribute("ms") && step.attribute("ms").as_llong(-1) < 0)
					return malformed(at, "<sleep> with an invalid ms");
			}
			else if (tag != "message" && tag != "nop")
				return malformed(at, "unknown step <" + std::string(tag) + ">");
			if (counted(step)) total_steps++;
		}
		if (!config_seen)
			return malformed(size_t(scenario.offset_debug()), "no <init_config> and no config_file: nothing to run");
		for (char const *flag : { "check", "keep_running" }) {
			std::string_view const v = scenario.attribute(flag).value();
			if (scenario.attribute(flag) && v != "yes" && v != "no")
				return malformed(size_t(scenario.offset_debug()), std::string(flag) + ": not \"yes\" or \"no\"");
		}
		if (auto e = scenario.attribute("expect_exit"); e && e.as_int(-1) < 0)
			return malformed(size_t(scenario.offset_debug()), "expect_exit: not an exit value");
		return PASSED;
	}

	/* a check, as opposed to a pause or a message */
	static bool counted(pugi::xml_node step)
	{
		std::string_view const tag = step.name();
		return tag == "init_config" || tag.starts_with("expect_");
	}

	/*
	 * Waiting: everything the runner does while a step is pending
	 */

	enum class Wait { MET, TIMEOUT, RUN_ENDED, INTERRUPTED };

	int interrupted_by = 0;

	template <typename COND>
	Wait wait_until(COND const &met, Deadline until, bool stop_at_run_end = true, int poll_ms = -1)
	{
		for (;;) {
			run.out.read_available(args.verbose);
			run.err.read_available(args.verbose);
			run.check_exit();

			if (met()) return Wait::MET;
			if (run.ended() && stop_at_run_end) {
				/* the last lines may arrive together with the exit */
				run.out.read_available(args.verbose);
				run.err.read_available(args.verbose);
				return met() ? Wait::MET : Wait::RUN_ENDED;
			}

			auto const now = Clock::now();
			if (now >= until) return Wait::TIMEOUT;

			auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count() + 1;
			int timeout = int(std::min<long long>(left, 60000));
			if (poll_ms >= 0) timeout = std::min(timeout, poll_ms);
			if (run.started() && !run.ended() && run.pidfd() < 0)
				timeout = std::min(timeout, 20);   /* no pidfd: notice the exit by polling */

			pollfd fds[] = { { run.out.fd(), POLLIN, 0 }, { run.err.fd(), POLLIN, 0 },
			                 { run.pidfd(), POLLIN, 0 },  { signals.get(), POLLIN, 0 } };
			if (::poll(fds, 4, timeout) < 0 && errno != EINTR) return Wait::TIMEOUT;

			if (fds[3].revents & POLLIN) {
				signalfd_siginfo info { };
				if (::read(signals.get(), &info, sizeof(info)) == sizeof(info)) {
					interrupted_by = int(info.ssi_signo);
					return Wait::INTERRUPTED;
				}
			}
		}
	}

	std::string wait_problem(Wait w)
	{
		switch (w) {
		case Wait::MET:         return "";
		case Wait::TIMEOUT:
			if (step_deadline < deadline)
				return "step timeout after " + format_seconds(*step_timeout_s) + " s";
			return "timeout after " + format_seconds(timeout_s) + " s";
		case Wait::RUN_ENDED:   return "the run ended (" + run.status_text() + ")";
		case Wait::INTERRUPTED: return std::string("interrupted by SIG") + ::sigabbrev_np(interrupted_by);
		}
		return "";
	}

	static std::string format_seconds(double s)
	{
		char buf[32];
		std::snprintf(buf, sizeof(buf), "%g", s);
		return buf;
	}

	/*
	 * Steps
	 */

	std::filesystem::path config_path() const { return dir / "config.xml"; }
	std::filesystem::path state_path()  const { return dir / "report" / "init" / "state"; }

	/* <init_config> holds either one <config> node or the content of one */
	static std::string config_text(pugi::xml_node step)
	{
		pugi::xml_node only { };
		unsigned elements = 0;
		for (pugi::xml_node n : step.children())
			if (n.type() == pugi::node_element) { only = n; elements++; }

		pugi::xml_document out;
		if (elements == 1 && std::string_view(only.name()) == "config") {
			out.append_copy(only);
		} else {
			pugi::xml_node config = out.append_child("config");
			for (pugi::xml_attribute a : step.attributes()) config.append_copy(a);
			for (pugi::xml_node n : step.children()) config.append_copy(n);
		}
		std::ostringstream ss;
		out.save(ss, "\t", pugi::format_default | pugi::format_no_declaration);
		return ss.str();
	}

	/* written beside and renamed, so that core never reads half a config */
	bool write_config(pugi::xml_node step)
	{
		std::filesystem::path const tmp = dir / "config.xml.new";
		{
			std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
			f << config_text(step);
			if (!f) return false;
		}
		return ::rename(tmp.c_str(), config_path().c_str()) == 0;
	}

	bool start_run(std::string const &config)
	{
		double const run_timeout = timeout_s + 30;   /* a safety net behind ours */
		std::vector<std::string> argv { "nestbox", "run", "--timeout", format_seconds(run_timeout),
		                                "--report-dir", (dir / "report").string() };

		/*
		 * Scenarios reconfigure after every child has exited, so the run waits
		 * for that unless <scenario keep_running="no"> lets it end by itself;
		 * <scenario check="no"> starts a config that the check refuses.
		 */
		if (scenario.attribute("keep_running").as_bool(true)) argv.push_back("--keep-running");
		if (!scenario.attribute("check").as_bool(true)) argv.push_back("--no-check");

		/* <scenario rom_dir="…">: more ROM modules, e.g. a font (relative to the scenario) */
		if (char const *rom_dir = scenario.attribute("rom_dir").value(); *rom_dir) {
			std::filesystem::path p(rom_dir);
			if (p.is_relative()) p = scenario_dir / p;
			argv.push_back("--rom-dir");
			argv.push_back(p.string());
		}
		/*
		 * Genode's test-init package routes the ROM "another_dummy" to the
		 * dummy (its binary-rename step needs a second name for the same
		 * binary): a ROM directory of the run holds that alias.
		 */
		if (genode_form) {
			std::error_code ec;
			std::filesystem::path const rom = dir / "rom";
			std::filesystem::create_directories(rom, ec);
			std::filesystem::path const self = std::filesystem::read_symlink("/proc/self/exe", ec);
			if (!ec) std::filesystem::create_symlink(self.parent_path() / "dummy", rom / "another_dummy", ec);
			argv.insert(argv.end(), { "--rom-dir", rom.string() });
		}
		if (init_ram)  argv.insert(argv.end(), { "--ram",  std::to_string(*init_ram) });
		if (init_caps) argv.insert(argv.end(), { "--caps", std::to_string(*init_caps) });
		argv.push_back(config);
		return run.start(argv);
	}

	bool state_matches(pugi::xml_node step, std::string &seen)
	{
		std::ifstream in(state_path(), std::ios::binary);
		if (!in) { seen = "(no state report yet)"; return false; }
		std::stringstream ss;
		ss << in.rdbuf();
		seen = ss.str();
		pugi::xml_document state;
		if (!state.load_string(seen.c_str())) return false;
		return xml_matches(step, state.document_element());
	}

	/*
	 * Screenshots: PNG reports, polled like the state report. Core writes
	 * a report by renaming a complete file over the old one, so a PNG read
	 * here is whole; it is decoded again only when a new one arrived.
	 */

	struct Screenshot_cache
	{
		std::filesystem::path path { };
		ino_t                 inode = 0;
		timespec              mtime { };
		std::optional<Image>  image { };
		std::string           why   { };
	} screenshot_cache { };

	Image const *screenshot(std::filesystem::path const &path, std::string &why)
	{
		struct stat st { };
		if (::stat(path.c_str(), &st) < 0) {
			why = "no screenshot at " + path.string() + " (yet)";
			return nullptr;
		}
		Screenshot_cache &c = screenshot_cache;
		bool const same = c.path == path && c.inode == st.st_ino
		               && c.mtime.tv_sec == st.st_mtim.tv_sec && c.mtime.tv_nsec == st.st_mtim.tv_nsec;
		if (!same) {
			std::string load_why;
			auto image = Image::load(path, load_why);
			c = Screenshot_cache { path, st.st_ino, st.st_mtim, std::move(image), load_why };
		}
		why = c.why;
		return c.image ? &*c.image : nullptr;
	}

	std::filesystem::path report_path(pugi::xml_node step) const
	{
		return dir / "report" / step.attribute("report").value();
	}

	std::string expect_screenshot(pugi::xml_node step)
	{
		std::filesystem::path const actual_path    = report_path(step);
		std::filesystem::path const reference_path = scenario_dir / step.attribute("reference").value();
		std::string why;

		if (args.update_references) {
			Wait const w = wait_until([&] { return screenshot(actual_path, why) != nullptr; }, step_deadline, true, 50);
			if (w != Wait::MET) return wait_problem(w) + ": " + why;

			std::error_code ec;
			std::filesystem::create_directories(reference_path.parent_path(), ec);
			std::filesystem::copy_file(actual_path, reference_path,
			                           std::filesystem::copy_options::overwrite_existing, ec);
			if (ec) return "cannot write " + reference_path.string() + ": " + ec.message();
			std::printf("scenario %s: wrote reference %s\n", name.c_str(), reference_path.c_str());
			return "";
		}

		auto const reference = Image::load(reference_path, why);
		if (!reference) return "cannot read the reference " + why;

		Wait const w = wait_until([&] {
			Image const *actual = screenshot(actual_path, why);
			if (actual) why = Image::difference(*reference, *actual);
			return actual && why.empty();
		}, step_deadline, true, 50);
		if (w == Wait::MET) return "";

		/* the report's directory is temporary: keep it, with the image named as one */
		if (screenshot_cache.image) {
			std::error_code ec;
			std::filesystem::path const kept = actual_path.string() + ".actual.png";
			std::filesystem::copy_file(actual_path, kept, std::filesystem::copy_options::overwrite_existing, ec);
			if (!ec) {
				keep_for_look = true;
				why += "\nactual screenshot: " + kept.string();
			}
		}
		return wait_problem(w) + ": " + why;
	}

	std::string expect_pixel(pugi::xml_node step)
	{
		unsigned const x = unsigned(step.attribute("x").as_uint());
		unsigned const y = unsigned(step.attribute("y").as_uint());
		uint32_t const color = *Image::parse_color(step.attribute("color").value());
		std::string why;

		Wait const w = wait_until([&] {
			Image const *image = screenshot(report_path(step), why);
			if (!image) return false;
			if (x >= image->width || y >= image->height) {
				why = "outside of the " + std::to_string(image->width) + "x"
				    + std::to_string(image->height) + " screenshot";
				return false;
			}
			uint32_t const seen = image->pixel(x, y);
			why = "the pixel is " + Image::color_text(seen);
			return seen == color;
		}, step_deadline, true, 50);
		return w == Wait::MET ? "" : wait_problem(w) + ": " + why;
	}

	/* returns the reason if the step failed */
	std::string execute_step(pugi::xml_node step)
	{
		std::string_view const tag = step.name();

		if (tag == "init_config") {
			if (!write_config(step))
				return "cannot write " + config_path().string() + ": " + std::strerror(errno);
			if (!run.started() && !start_run(config_path().string()))
				return std::string("cannot start the run: ") + std::strerror(errno);
			return "";
		}
		if (tag == "expect_log" || tag == "expect_stderr" || tag == "expect_warning") {
			Line_pipe &pipe = (tag == "expect_stderr") ? run.err : run.out;

			/* Genode's warning: the label prefix, then the text it prints in color */
			std::string const pattern = std::string(step.attribute("string").value())
			                          + step.attribute("colored").value();
			return wait_problem(wait_until([&] { return pipe.take_match(pattern); }, step_deadline));
		}
		if (tag == "expect_init_state") {
			std::string seen;
			Wait const w = wait_until([&] { return state_matches(step, seen); }, step_deadline, true, 50);
			if (w == Wait::MET) return "";
			std::ostringstream expected;
			step.print(expected, "\t", pugi::format_default | pugi::format_no_declaration);
			return wait_problem(w) + "\nexpected:\n" + expected.str() + "last init state:\n" + seen;
		}
		if (tag == "expect_screenshot") return expect_screenshot(step);
		if (tag == "expect_pixel")      return expect_pixel(step);
		if (tag == "sleep") {
			auto const until = Clock::now() + std::chrono::milliseconds(step.attribute("ms").as_llong(250));
			if (until > deadline) {
				(void)wait_until([] { return false; }, deadline, false);
				return wait_problem(Wait::TIMEOUT);
			}
			Wait const w = wait_until([] { return false; }, until, false);
			return w == Wait::INTERRUPTED ? wait_problem(w) : "";
		}
		if (tag == "message") {
			std::printf("\n--- %s ---\n", step.attribute("string").value());
			std::fflush(stdout);
			return "";
		}
		return "";   /* nop */
	}

	/* "step 4/150 (line 80)": a step by its number among the checks and its place in the file */
	std::string step_name(unsigned number, pugi::xml_node step) const
	{
		std::string s = counted(step) ? "step " + std::to_string(number) + "/" + std::to_string(total_steps)
		                              : std::string("after step ") + std::to_string(number);
		size_t offset = size_t(step.offset_debug());
		if (offset > 0 && offset <= text.size() && text[offset - 1] == '<') offset--;
		return s + " (line " + std::to_string(Init::line_column(text, offset).first) + ")";
	}

	void fail_at(unsigned number, pugi::xml_node step, std::string const &reason)
	{
		problems.push_back(step_name(number, step) + " " + step_text(step) + ": " + reason);
	}

	/* after the last step: either the expected exit, or core is asked to end */
	void finish_run()
	{
		if (auto e = scenario.attribute("expect_exit")) {
			Wait const w = wait_until([&] { return run.ended(); }, deadline);
			if (w != Wait::MET)
				problems.push_back("expected the run to exit with " + std::to_string(e.as_int())
				                   + ": " + wait_problem(w));
			else if (!run.exited_with(e.as_int()))
				problems.push_back("expected the run to exit with exit value " + std::to_string(e.as_int())
				                   + ", it ended with " + run.status_text());
			return;
		}
		if (run.ended()) {
			if (!run.exited_with(0))
				problems.push_back("the run ended on its own with " + run.status_text());
			return;
		}
		run.signal(SIGTERM);
		(void)wait_until([&] { return run.ended(); }, Clock::now() + std::chrono::seconds(5));
		if (!run.ended())
			problems.push_back("the run did not end within 5 s of SIGTERM");
		else if (!run.exited_with(0))
			problems.push_back("after SIGTERM, the run ended with " + run.status_text() + " instead of exit value 0");
	}

	/* core is gone for sure, whatever happened before */
	void end_run()
	{
		if (!run.started() || run.ended()) return;
		run.signal(SIGTERM);
		(void)wait_until([&] { return run.ended(); }, Clock::now() + std::chrono::seconds(5));
		if (!run.ended()) {
			::kill(-run.pid(), SIGKILL);
			::kill(run.pid(), SIGKILL);
			run.wait_blocking();
		}
	}

	void check_teardown()
	{
		if (!run.started()) return;

		/* dataspaces first: a leftover process that holds some is still alive */
		for (auto const &d : leftover_dataspaces(run.pid()))
			problems.push_back("teardown: " + d);
		for (auto const &p : reap_leftover_processes())
			problems.push_back("teardown: " + p);
	}

	void report_failure()
	{
		std::string r = "scenario " + name + ": FAILED\n";
		for (auto const &p : problems) r += "  " + p + "\n";

		auto tail = [&] (char const *what, std::vector<std::string> const &lines) {
			size_t const first = lines.size() > 20 ? lines.size() - 20 : 0;
			r += std::string(what) + " (" + std::to_string(lines.size() - first) + " of "
			   + std::to_string(lines.size()) + "):\n";
			for (size_t i = first; i < lines.size(); i++) r += "  | " + lines[i] + "\n";
		};
		tail("last log lines", run.out.lines);
		if (!run.err.lines.empty()) tail("last lines on stderr", run.err.lines);
		r += "the run: " + (run.started() ? run.status_text() : std::string("not started")) + "\n";
		std::fputs(r.c_str(), stderr);
	}

	int execute()
	{
		{
			std::error_code ec;
			std::filesystem::path base = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
			std::string tmpl = (base / "nestbox-test.XXXXXX").string();
			if (!::mkdtemp(tmpl.data())) {
				std::fprintf(stderr, "nestbox test: cannot create a directory in %s: %s\n", base.c_str(),
				             std::strerror(errno));
				return FAILED;
			}
			dir = tmpl;
			std::filesystem::create_directories(dir / "report", ec);
		}

		deadline = Clock::now() + std::chrono::microseconds(static_cast<long long>(timeout_s * 1e6));

		if (auto file = scenario.attribute("config_file")) {
			std::filesystem::path const config = scenario_dir / file.value();
			if (!start_run(config.string()))
				problems.push_back(std::string("cannot start the run: ") + std::strerror(errno));
		}

		/*
		 * Without --keep-going, the first failed step ends the scenario. With
		 * it, a failed step is noted and the next one runs, so that one run
		 * shows every step that fails (later ones may fail as a consequence).
		 */
		unsigned number = 0;
		bool     stop   = false;
		for (pugi::xml_node step : scenario.children()) {
			if (stop) break;
			if (step.type() != pugi::node_element) continue;
			if (counted(step)) number++;
			if (args.verbose) {
				std::printf("%s: %s\n", step_name(number, step).c_str(), step_text(step).c_str());
				std::fflush(stdout);
			}
			step_deadline = deadline;
			if (step_timeout_s)
				step_deadline = std::min(deadline, Clock::now() + std::chrono::microseconds(
				                                       static_cast<long long>(*step_timeout_s * 1e6)));
			std::string const reason = execute_step(step);
			if (reason.empty()) {
				if (counted(step)) passed_steps++;
				continue;
			}
			fail_at(number, step, reason);
			if (args.verbose || args.keep_going) {
				std::printf("%s FAILED: %s\n", step_name(number, step).c_str(), reason.c_str());
				std::fflush(stdout);
			}
			bool const fatal = std::string_view(step.name()) == "init_config" || interrupted_by
			                || Clock::now() >= deadline || run.ended();
			stop = !args.keep_going || fatal;
		}
		if (args.keep_going || args.verbose || genode_form || !problems.empty())
			std::printf("scenario %s: %u of %u steps passed\n", name.c_str(), passed_steps, total_steps), std::fflush(stdout);

		if (problems.empty()) finish_run();
		end_run();
		check_teardown();

		if (problems.empty()) {
			std::printf("scenario %s: passed\n", name.c_str());
			return PASSED;
		}
		report_failure();
		return FAILED;
	}
};



int Scenario_test::scenario_test_main(int argc, char **argv)
{
	auto args = Args::parse(argc, argv);
	if (!args) return USAGE;
	if (args->help)    { print_help(); return PASSED; }
	if (args->version) { std::printf("nestbox %s\n", nestbox::version); return PASSED; }

	Main main(*args);
	if (int const r = main.load()) return r;

	/* orphans of the run become our children, so that none goes unnoticed */
	if (::prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		std::fprintf(stderr, "nestbox test: cannot become a child subreaper: %s\n", std::strerror(errno));
		return FAILED;
	}

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	::sigprocmask(SIG_BLOCK, &set, nullptr);
	main.signals.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
	if (!main.signals.valid()) {
		std::fprintf(stderr, "nestbox test: cannot create a signalfd: %s\n", std::strerror(errno));
		return FAILED;
	}

	return main.execute();
}
