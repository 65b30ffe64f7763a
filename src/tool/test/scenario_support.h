/*
 * Parts of 'nestbox test': the run as a child process, decoded PNG images,
 * matching of log lines and state reports, and the search for leftovers
 */
#pragma once

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

namespace Scenario_test {

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


/*
 * A PNG decoded to 8-bit RGB, for the screenshot steps
 */
struct Scenario_test::Image
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
class Scenario_test::Line_pipe
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
class Scenario_test::Run
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
