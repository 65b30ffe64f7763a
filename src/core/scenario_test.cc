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
#include "config_check.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <sys/stat.h>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <png.h>
#include <pugixml.hpp>

#include <nestbox/util/arg_string.h>
#include <nestbox/util/unique_fd.h>

namespace Core::Scenario_test {

	using nestbox::Unique_fd;
	using Clock    = std::chrono::steady_clock;
	using Deadline = Clock::time_point;

	enum Exit { PASSED = 0, FAILED = 1, USAGE = 2, SKIPPED = 77 };

	struct Args;
	struct Image;
	class  Line_pipe;
	class  Run;
	struct Main;

	bool glob_matches(std::string_view pattern, std::string_view text);
	bool xml_matches(pugi::xml_node expected, pugi::xml_node node);
	std::string step_text(pugi::xml_node step);

	/* processes still alive that the run left behind, and memfds of its core */
	std::vector<std::string> reap_leftover_processes();
	std::vector<std::string> leftover_dataspaces(pid_t core_pid);
}

using namespace Core::Scenario_test;


static void print_help()
{
	std::printf(
"Usage: nestbox test [--timeout SECONDS] [--keep-dir] [--verbose] [--update-references]\n"
"                    SCENARIO.xml\n"
"\n"
"Runs a scripted scenario: a <scenario> of steps executed in order, in the\n"
"vocabulary of Genode's init test.\n"
"\n"
"  <init_config>           an init config (its content, or one <config> node);\n"
"                          the first starts 'nestbox run' on it, a later one\n"
"                          replaces the config file atomically\n"
"  <expect_log string/>    waits for a log line equal to 'string', where '*'\n"
"                          matches any run of characters; lines are consumed in\n"
"                          order, so each step only sees lines after the last match\n"
"  <expect_stderr string/> the same for the run's standard error\n"
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
"10); config_file=\"PATH\" runs that config file (relative to the scenario)\n"
"instead of <init_config>; expect_exit=\"N\" waits for the run to exit with N\n"
"after the last step instead of ending it; rom_dir=\"DIR\" serves ROM modules\n"
"from DIR as well (nestbox run --rom-dir); requires=\"memory_cgroup\" skips the\n"
"scenario (exit status 77) on a machine without a memory cgroup.\n"
"\n"
"Options:\n"
"  --timeout SECONDS  overrides the scenario's timeout\n"
"  --keep-dir         keep the temporary directory (config, reports) and print it\n"
"  --verbose          echo every line of the run and every step as it starts\n"
"  --update-references\n"
"                     <expect_screenshot> writes the actual screenshot as its\n"
"                     reference instead of comparing (look at it before committing)\n"
"\n"
"After the run has ended, the runner checks that no process of the run is\n"
"left (it is a child subreaper, so orphans of the run become its children)\n"
"and that no process holds a dataspace of the run's core. Either fails the\n"
"scenario.\n"
"\n"
"Exit status: 0 passed, 1 failed, 2 usage error or malformed scenario.\n");
}


struct Core::Scenario_test::Args
{
	std::optional<double> timeout_s { };
	bool                  keep_dir = false;
	bool                  verbose  = false;
	bool                  update_references = false;
	bool                  help     = false;
	std::string           path { };

	static std::optional<Args> parse(int argc, char **argv)
	{
		Args a;
		for (int i = 2; i < argc; i++) {
			std::string_view const arg = argv[i];
			if (arg == "--help" || arg == "-h") { a.help = true; return a; }
			else if (arg == "--keep-dir") a.keep_dir = true;
			else if (arg == "--verbose" || arg == "-v") a.verbose = true;
			else if (arg == "--update-references") a.update_references = true;
			else if (arg == "--timeout" && i + 1 < argc) {
				char *end = nullptr;
				double const t = std::strtod(argv[++i], &end);
				if (!end || *end || t <= 0) {
					std::fprintf(stderr, "nestbox test: --timeout: not a positive number: %s\n", argv[i]);
					return std::nullopt;
				}
				a.timeout_s = t;
			}
			else if (arg.starts_with("-")) {
				std::fprintf(stderr, "nestbox test: unknown option '%s'\nTry 'nestbox test --help'.\n", argv[i]);
				return std::nullopt;
			}
			else if (a.path.empty()) a.path = arg;
			else {
				std::fprintf(stderr, "nestbox test: more than one scenario given ('%s')\n", argv[i]);
				return std::nullopt;
			}
		}
		if (a.path.empty()) {
			std::fprintf(stderr, "nestbox test: missing SCENARIO.xml\nTry 'nestbox test --help'.\n");
			return std::nullopt;
		}
		return a;
	}
};


bool Core::Scenario_test::glob_matches(std::string_view pattern, std::string_view text)
{
	/* greedy with backtracking to the last '*': linear enough for log lines */
	size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
	while (t < text.size()) {
		if (p < pattern.size() && pattern[p] == '*') { star = p++; resume = t; }
		else if (p < pattern.size() && pattern[p] == text[t]) { p++; t++; }
		else if (star != std::string_view::npos) { p = star + 1; t = ++resume; }
		else return false;
	}
	while (p < pattern.size() && pattern[p] == '*') p++;
	return p == pattern.size();
}


/* Numbers in state reports are byte counts or plain counts: "4K" == 4096 */
static uint64_t number_attr(pugi::xml_node node, char const *name)
{
	return nestbox::Arg_string::parse_size(node.attribute(name).value()).value_or(0);
}


static bool attribute_matches(pugi::xml_node condition, pugi::xml_node node)
{
	char const *name = condition.attribute("name").value();

	if (condition.attribute("value"))
		return std::string_view(node.attribute(name).value()) == condition.attribute("value").value();
	if (condition.attribute("higher"))
		return number_attr(node, name) > number_attr(condition, "higher");
	if (condition.attribute("lower"))
		return number_attr(node, name) < number_attr(condition, "lower");
	return false;
}


/* Genode's init-test semantics: every condition below 'expected' must hold */
bool Core::Scenario_test::xml_matches(pugi::xml_node expected, pugi::xml_node node)
{
	for (pugi::xml_node condition : expected.children()) {
		std::string_view const type = condition.name();

		if (type == "attribute" && !attribute_matches(condition, node))
			return false;

		if (type == "node") {
			bool any = false;
			for (pugi::xml_node sub : node.children(condition.attribute("name").value()))
				if (xml_matches(condition, sub)) { any = true; break; }
			if (!any) return false;
		}

		if (type == "not" && xml_matches(condition, node))
			return false;
	}
	return true;
}


/* A step as the failure report names it: its tag and attributes, not its body */
std::string Core::Scenario_test::step_text(pugi::xml_node step)
{
	std::string s = "<" + std::string(step.name());
	for (pugi::xml_attribute a : step.attributes())
		s += " " + std::string(a.name()) + "=\"" + a.value() + "\"";
	return s + (step.first_child() ? ">…" : "/>");
}


/*
 * A PNG decoded to 8-bit RGB, for the screenshot steps
 */
struct Core::Scenario_test::Image
{
	unsigned                   width = 0, height = 0;
	std::vector<unsigned char> rgb { };

	/* nothing, and why, if the file is missing or no PNG */
	static std::optional<Image> load(std::filesystem::path const &path, std::string &why)
	{
		png_image png;
		std::memset(&png, 0, sizeof(png));
		png.version = PNG_IMAGE_VERSION;

		if (!png_image_begin_read_from_file(&png, path.c_str())) {
			why = path.string() + ": " + png.message;
			return std::nullopt;
		}
		png.format = PNG_FORMAT_RGB;

		Image image;
		image.width  = png.width;
		image.height = png.height;
		image.rgb.resize(PNG_IMAGE_SIZE(png));
		if (!png_image_finish_read(&png, nullptr, image.rgb.data(), 0, nullptr)) {
			why = path.string() + ": " + png.message;
			png_image_free(&png);
			return std::nullopt;
		}
		return image;
	}

	uint32_t pixel(unsigned x, unsigned y) const
	{
		size_t const i = (size_t(y) * width + x) * 3;
		return uint32_t(rgb[i]) << 16 | uint32_t(rgb[i + 1]) << 8 | rgb[i + 2];
	}

	static std::string color_text(uint32_t rgb)
	{
		char buf[8];
		std::snprintf(buf, sizeof(buf), "#%06x", rgb & 0xffffff);
		return buf;
	}

	/* "#rrggbb" */
	static std::optional<uint32_t> parse_color(std::string_view s)
	{
		if (s.size() != 7 || s[0] != '#') return std::nullopt;
		uint32_t v = 0;
		for (char c : s.substr(1)) {
			int const d = (c >= '0' && c <= '9') ? c - '0'
			            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
			            : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
			if (d < 0) return std::nullopt;
			v = v << 4 | uint32_t(d);
		}
		return v;
	}

	/* empty if equal; otherwise what differs, pixel-exactly */
	static std::string difference(Image const &expected, Image const &actual)
	{
		if (expected.width != actual.width || expected.height != actual.height)
			return "the screenshot is " + std::to_string(actual.width) + "x" + std::to_string(actual.height)
			     + ", the reference " + std::to_string(expected.width) + "x" + std::to_string(expected.height);

		size_t count = 0;
		unsigned fx = 0, fy = 0;
		for (unsigned y = 0; y < actual.height; y++)
			for (unsigned x = 0; x < actual.width; x++)
				if (actual.pixel(x, y) != expected.pixel(x, y) && !count++) { fx = x; fy = y; }

		if (!count) return "";
		return std::to_string(count) + " of " + std::to_string(size_t(actual.width) * actual.height)
		     + " pixels differ, the first at " + std::to_string(fx) + "," + std::to_string(fy) + ": "
		     + color_text(actual.pixel(fx, fy)) + " instead of " + color_text(expected.pixel(fx, fy));
	}
};


/*
 * One output stream of the run, split into lines as they arrive
 */
class Core::Scenario_test::Line_pipe
{
	private:

		Unique_fd   _fd { };
		std::string _partial { };

		void _add(std::string line, bool echo)
		{
			if (echo) std::printf("%s\n", line.c_str()), std::fflush(stdout);
			lines.push_back(std::move(line));
		}

	public:

		std::vector<std::string> lines { };
		size_t consumed = 0;    /* steps look only at lines from here on */

		void take(int fd) { _fd.reset(fd); ::fcntl(fd, F_SETFL, O_NONBLOCK); }

		int fd() const { return _fd.get(); }

		/* reads what is there without blocking, until end of file closes the pipe */
		void read_available(bool echo)
		{
			while (_fd.valid()) {
				char buf[4096];
				ssize_t const n = ::read(_fd.get(), buf, sizeof(buf));
				if (n < 0 && errno == EINTR) continue;
				if (n < 0) return;
				if (n == 0) {
					if (!_partial.empty()) _add(std::move(_partial), echo);
					_partial.clear();
					_fd.reset();
					return;
				}
				_partial.append(buf, size_t(n));
				size_t nl;
				while ((nl = _partial.find('\n')) != std::string::npos) {
					_add(_partial.substr(0, nl), echo);
					_partial.erase(0, nl + 1);
				}
			}
		}

		/* consumes up to and including the first unconsumed line that matches */
		bool take_match(std::string_view pattern)
		{
			for (size_t i = consumed; i < lines.size(); i++)
				if (glob_matches(pattern, lines[i])) { consumed = i + 1; return true; }
			return false;
		}
};


/*
 * The 'nestbox run' process under test
 */
class Core::Scenario_test::Run
{
	private:

		pid_t              _pid = -1;
		Unique_fd          _pidfd { };
		std::optional<int> _status { };    /* wait status once it ended */

	public:

		Line_pipe out { }, err { };

		bool started() const { return _pid > 0; }
		bool ended()   const { return _status.has_value(); }
		pid_t pid()    const { return _pid; }
		int pidfd()    const { return _pidfd.get(); }

		bool start(std::vector<std::string> const &args)
		{
			int out_pipe[2], err_pipe[2];
			if (::pipe2(out_pipe, O_CLOEXEC) < 0) return false;
			if (::pipe2(err_pipe, O_CLOEXEC) < 0) { ::close(out_pipe[0]); ::close(out_pipe[1]); return false; }

			/* the resolved path, so that 'ps' shows core as 'nestbox', not 'exe' */
			std::error_code ec;
			std::string const self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
			char const *binary = ec ? "/proc/self/exe" : self.c_str();

			std::vector<char *> argv;
			for (auto const &a : args) argv.push_back(const_cast<char *>(a.c_str()));
			argv.push_back(nullptr);
			pid_t const runner = ::getpid();

			pid_t const pid = ::fork();
			if (pid < 0) return false;
			if (pid == 0) {
				/* if the runner dies (say, killed by CTest), core still cleans up */
				::prctl(PR_SET_PDEATHSIG, SIGTERM);
				if (::getppid() != runner) ::_exit(127);

				/* a group of its own, so that ending it reaches nothing else */
				::setpgid(0, 0);

				int const null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
				::dup2(null, 0);
				::dup2(out_pipe[1], 1);
				::dup2(err_pipe[1], 2);

				sigset_t none;
				sigemptyset(&none);
				::sigprocmask(SIG_SETMASK, &none, nullptr);
				::execv(binary, argv.data());
				::_exit(127);
			}
			::close(out_pipe[1]);
			::close(err_pipe[1]);
			out.take(out_pipe[0]);
			err.take(err_pipe[0]);
			_pid = pid;
			_pidfd.reset(int(::syscall(SYS_pidfd_open, pid, 0)));
			return true;
		}

		/* collects the exit status if the run has ended */
		void check_exit()
		{
			if (!started() || ended()) return;
			int status = 0;
			if (::waitpid(_pid, &status, WNOHANG) == _pid) {
				_status = status;
				_pidfd.reset();
			}
		}

		void wait_blocking()
		{
			if (!started() || ended()) return;
			int status = 0;
			while (::waitpid(_pid, &status, 0) < 0 && errno == EINTR) { }
			_status = status;
			_pidfd.reset();
		}

		void signal(int sig) { if (started() && !ended()) ::kill(_pid, sig); }

		bool exited_with(int value) const
		{
			return _status && WIFEXITED(*_status) && WEXITSTATUS(*_status) == value;
		}

		std::string status_text() const
		{
			if (!_status) return "still running";
			if (WIFEXITED(*_status)) return "exit value " + std::to_string(WEXITSTATUS(*_status));
			if (WIFSIGNALED(*_status)) {
				int const sig = WTERMSIG(*_status);
				char const *abbrev = ::sigabbrev_np(sig);
				return std::string("killed by signal ") + (abbrev ? "SIG" : "") + (abbrev ? abbrev : std::to_string(sig));
			}
			return "unknown status";
		}
};


struct Core::Scenario_test::Main
{
	Args const &args;

	std::string const name = std::filesystem::path(args.path).stem().string();
	std::filesystem::path const scenario_dir =
		std::filesystem::absolute(args.path).parent_path();

	pugi::xml_document doc { };
	std::string        text { };
	pugi::xml_node     scenario { };

	double   timeout_s = 10;
	Deadline deadline { };

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
		auto [line, column] = Core::line_column(text, offset);
		std::fprintf(stderr, "%s:%u:%u: %s\n", args.path.c_str(), line, column, message.c_str());
		return USAGE;
	}

	static bool has_memory_cgroup()
	{
		std::ifstream v2("/sys/fs/cgroup/cgroup.controllers");
		std::string controllers;
		std::getline(v2, controllers);
		struct stat st { };
		return controllers.find("memory") != std::string::npos
		    || ::stat("/sys/fs/cgroup/memory/memory.limit_in_bytes", &st) == 0;
	}

	int load()
	{
		std::ifstream in(args.path, std::ios::binary);
		if (!in) {
			std::fprintf(stderr, "nestbox test: cannot read '%s'\n", args.path.c_str());
			return USAGE;
		}
		std::stringstream ss;
		ss << in.rdbuf();
		text = ss.str();

		pugi::xml_parse_result const parsed = doc.load_buffer(text.data(), text.size());
		if (!parsed) return malformed(size_t(parsed.offset), parsed.description());

		scenario = doc.document_element();
		if (std::string_view(scenario.name()) != "scenario")
			return malformed(size_t(scenario.offset_debug()), "the top-level node must be <scenario>");

		if (auto t = scenario.attribute("timeout")) {
			timeout_s = t.as_double(0);
			if (timeout_s <= 0)
				return malformed(size_t(scenario.offset_debug()), "timeout: not a positive number of seconds");
		}
		if (args.timeout_s) timeout_s = *args.timeout_s;

		/* what the machine must have; a scenario that needs more is skipped, saying why */
		std::string_view const requirement = scenario.attribute("requires").value();
		if (requirement == "memory_cgroup" && !has_memory_cgroup()) {
			std::printf("scenario %s: skipped: this machine has no memory cgroup (v1 or v2)\n", name.c_str());
			return SKIPPED;
		}
		if (!requirement.empty() && requirement != "memory_cgroup")
			return malformed(size_t(scenario.offset_debug()), "requires: unknown requirement");

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
			else if (tag == "expect_log" || tag == "expect_stderr") {
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
		}
		if (!config_seen)
			return malformed(size_t(scenario.offset_debug()), "no <init_config> and no config_file: nothing to run");
		if (auto e = scenario.attribute("expect_exit"); e && e.as_int(-1) < 0)
			return malformed(size_t(scenario.offset_debug()), "expect_exit: not an exit value");
		return PASSED;
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
		case Wait::TIMEOUT:     return "timeout after " + format_seconds(timeout_s) + " s";
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

		/* <scenario rom_dir="…">: more ROM modules, e.g. a font (relative to the scenario) */
		if (char const *rom_dir = scenario.attribute("rom_dir").value(); *rom_dir) {
			std::filesystem::path p(rom_dir);
			if (p.is_relative()) p = scenario_dir / p;
			argv.push_back("--rom-dir");
			argv.push_back(p.string());
		}
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
			Wait const w = wait_until([&] { return screenshot(actual_path, why) != nullptr; }, deadline, true, 50);
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
		}, deadline, true, 50);
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
		}, deadline, true, 50);
		return w == Wait::MET ? "" : wait_problem(w) + ": " + why;
	}

	/* returns the reason if the step failed */
	std::string execute_step(pugi::xml_node step)
	{
		std::string_view const tag = step.name();

		if (tag == "init_config") {
			if (!write_config(step)) return std::string("cannot write ") + config_path().string();
			if (!run.started() && !start_run(config_path().string()))
				return std::string("cannot start the run: ") + std::strerror(errno);
			return "";
		}
		if (tag == "expect_log" || tag == "expect_stderr") {
			Line_pipe &pipe = (tag == "expect_log") ? run.out : run.err;
			std::string const pattern = step.attribute("string").value();
			return wait_problem(wait_until([&] { return pipe.take_match(pattern); }, deadline));
		}
		if (tag == "expect_init_state") {
			std::string seen;
			Wait const w = wait_until([&] { return state_matches(step, seen); }, deadline, true, 50);
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

	void fail_at(unsigned index, pugi::xml_node step, std::string const &reason)
	{
		problems.push_back("step " + std::to_string(index) + " " + step_text(step) + ": " + reason);
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
				std::fprintf(stderr, "nestbox test: cannot create a directory in %s\n", base.c_str());
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

		unsigned index = 0;
		for (pugi::xml_node step : scenario.children()) {
			if (!problems.empty()) break;
			if (step.type() != pugi::node_element) continue;
			index++;
			if (args.verbose) std::printf("step %u %s\n", index, step_text(step).c_str());
			std::string const reason = execute_step(step);
			if (!reason.empty()) fail_at(index, step, reason);
		}

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


/*
 * Leftovers
 */

namespace {

	struct Proc_stat { pid_t ppid = 0; char state = '?'; std::string comm { }; };

	std::optional<Proc_stat> proc_stat(std::string const &pid)
	{
		std::ifstream in("/proc/" + pid + "/stat");
		std::string s;
		if (!std::getline(in, s)) return std::nullopt;

		/* the command name may hold spaces and parentheses: it ends at the last ')' */
		size_t const open = s.find('('), close = s.rfind(')');
		if (open == std::string::npos || close == std::string::npos || close + 4 > s.size())
			return std::nullopt;
		Proc_stat st;
		st.comm  = s.substr(open + 1, close - open - 1);
		st.state = s[close + 2];
		st.ppid  = pid_t(std::atoi(s.c_str() + close + 4));
		return st;
	}

	/*
	 * Components run from memfds, so their command name is the memfd's; the
	 * first argument is their label, which says more
	 */
	std::string process_name(std::string const &pid)
	{
		std::ifstream in("/proc/" + pid + "/cmdline", std::ios::binary);
		std::string argv0;
		std::getline(in, argv0, '\0');
		if (!argv0.empty()) return argv0;
		auto st = proc_stat(pid);
		return st ? st->comm : "?";
	}

	template <typename FN>
	void for_each_process(FN const &fn)
	{
		std::error_code ec;
		for (auto const &e : std::filesystem::directory_iterator("/proc", ec)) {
			std::string const pid = e.path().filename().string();
			if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
			fn(pid);
		}
	}
}


std::vector<std::string> Core::Scenario_test::reap_leftover_processes()
{
	/*
	 * As a child subreaper, the runner inherits every process of the run that
	 * outlived its parent. Right after core has been reaped, any child of ours
	 * is such a leftover. Killing one may orphan its own children to us, so
	 * repeat until none is left.
	 */
	std::vector<std::string> found;
	std::map<pid_t, bool> reported;
	pid_t const self = ::getpid();

	for (int round = 0; round < 200; round++) {
		bool any = false;
		for_each_process([&] (std::string const &pid) {
			auto st = proc_stat(pid);
			if (!st || st->ppid != self) return;
			any = true;
			pid_t const p = pid_t(std::atoi(pid.c_str()));
			if (!reported[p]) {
				reported[p] = true;
				found.push_back("process " + pid + " (" + process_name(pid) + ") outlived the run"
				                + (st->state == 'Z' ? " as a zombie: nobody reaped it" : ""));
			}
			::kill(p, SIGKILL);
		});

		while (::waitpid(-1, nullptr, WNOHANG) > 0) { }
		if (!any) break;
		::usleep(10000);
	}
	return found;
}


std::vector<std::string> Core::Scenario_test::leftover_dataspaces(pid_t core_pid)
{
	/* core names its dataspaces after itself: "nestbox:<core pid>:<label>" */
	std::string const needle = "/memfd:nestbox:" + std::to_string(core_pid) + ":";
	std::vector<std::string> found;

	for_each_process([&] (std::string const &pid) {
		std::string first;
		unsigned count = 0;
		std::error_code ec;

		for (auto const &e : std::filesystem::directory_iterator("/proc/" + pid + "/fd", ec)) {
			std::error_code lec;
			std::string const target = std::filesystem::read_symlink(e.path(), lec).string();
			if (lec || !target.starts_with(needle)) continue;
			if (!count++) first = "fd " + e.path().filename().string() + " -> " + target;
		}

		/* a mapping keeps the memory alive after its fd is closed */
		std::ifstream maps("/proc/" + pid + "/maps");
		for (std::string line; std::getline(maps, line); ) {
			size_t const at = line.find(needle);
			if (at == std::string::npos) continue;
			if (!count++) first = "mapping of " + line.substr(at);
		}

		if (count) {
			found.push_back("process " + pid + " (" + process_name(pid) + ") still holds "
			                + std::to_string(count) + " dataspace reference(s) of the run, e.g. " + first);
		}
	});
	return found;
}


int Core::scenario_test_main(int argc, char **argv)
{
	auto args = Args::parse(argc, argv);
	if (!args) return USAGE;
	if (args->help) { print_help(); return PASSED; }

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

	return main.execute();
}
