/*
 * What the C and C++ runtime do on a component's ordinary paths
 *
 * Each class of call the seccomp filter had to learn (docs/SECURITY.md) has
 * a step here that makes a sealed dummy go through it, so that a scenario
 * can show it lives: threads (creation, names, exit), the allocator
 * returning memory (trim, mmap'd blocks, mremap), time (the local time
 * zone, clocks), randomness, the number of CPUs, locale and formatting.
 */
#pragma once

#include <chrono>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <malloc.h>
#include <memory>
#include <pthread.h>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/random.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <nestbox/log.h>

namespace Dummy {

	/* Runs the class of calls named 'what'; returns a line that tells what came out */
	inline std::string runtime_path(std::string_view what)
	{
		using namespace nestbox;

		if (what == "threads") {
			/* named worker threads that come and go, as the vnc encode pool's do */
			unsigned done = 0;
			for (unsigned round = 0; round < 4; round++) {
				std::vector<std::thread> workers;
				std::vector<unsigned> results(8);
				for (unsigned t = 0; t < 8; t++)
					workers.emplace_back([&results, t] {
						pthread_setname_np(pthread_self(), "worker");
						thread_local std::vector<char> scratch(64 * 1024);
						scratch[0] = char(t);
						results[t] = 1;
					});
				for (auto &w : workers) w.join();
				for (unsigned r : results) done += r;
			}
			return concat("threads: ", done, " came and went");
		}
		if (what == "allocator") {
			/* blocks above the mmap threshold, a growing realloc, then giving memory back */
			std::vector<void *> big;
			for (unsigned i = 0; i < 8; i++) { big.push_back(std::malloc(4u << 20)); std::memset(big.back(), 1, 4096); }
			for (void *p : big) std::free(p);
			void *grow = std::malloc(1 << 20);
			for (size_t size = 2u << 20; size <= (32u << 20); size *= 2) grow = std::realloc(grow, size);
			std::free(grow);
			int const trimmed = malloc_trim(0);
			return concat("allocator: returned memory (trim ", trimmed >= 0 ? "done" : "failed", ")");
		}
		if (what == "time") {
			/* the local time zone (none in the empty root: UTC), clocks, formatting */
			std::time_t const now = std::time(nullptr);
			std::tm local { }, utc { };
			localtime_r(&now, &local);
			gmtime_r(&now, &utc);
			char text[64];
			std::strftime(text, sizeof(text), "%Z", &local);
			auto const wall = std::chrono::system_clock::now().time_since_epoch().count();
			auto const mono = std::chrono::steady_clock::now().time_since_epoch().count();
			return concat("time: zone ", text, ", clocks ", wall > 0 && mono > 0 ? "run" : "stopped");
		}
		if (what == "random") {
			std::random_device device;
			unsigned char buf[16];
			ssize_t const got = getrandom(buf, sizeof(buf), 0);
			unsigned const r = device();
			(void)r;
			return concat("random: ", got == ssize_t(sizeof(buf)) ? "got bytes" : "no bytes");
		}
		if (what == "cpus") {
			/* glibc reads /sys and /proc for these; the sandbox has neither */
			unsigned const hw = std::thread::hardware_concurrency();
			long const online = sysconf(_SC_NPROCESSORS_ONLN);
			long const conf   = sysconf(_SC_NPROCESSORS_CONF);
			long const pages  = sysconf(_SC_PHYS_PAGES);
			return concat("cpus: ", hw > 0 && online > 0 && conf > 0 ? "counted" : "not counted",
			              pages > 0 ? ", memory known" : ", memory unknown");
		}
		if (what == "locale") {
			/* the environment's locale (none: "C"), and formatting numbers */
			char const *locale = std::setlocale(LC_ALL, "");
			std::ostringstream out;
			out.imbue(std::locale::classic());
			out << 3.25 << ' ' << std::stod("2.5");
			char number[32];
			std::snprintf(number, sizeof(number), "%.2f", 1.5);
			return concat("locale: ", locale ? locale : "(none)", ", ", out.str(), " ", number);
		}
		return concat("runtime path \"", what, "\" unknown");
	}
}
