/*
 * block_tester: exercises a Block session and reports what it measured
 *
 * As Genode's block_tester: the <tests> of its config run one after the
 * other, each keeping 'batch' requests in flight (the queue depth it asks
 * the server for). A test's requests are sequential, random or a replayed
 * list; with verify="yes" a test writes a pattern that depends on each
 * block's number first and then reads it back and compares. Each test ends
 * with a log line and the whole run with a report ("results") and exit
 * value 0 (every test passed) or 1.
 */

#include <chrono>
#include <cstring>
#include <list>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <nestbox/block/connection.h>
#include <nestbox/component.h>
#include <nestbox/config_document.h>
#include <nestbox/manifest.h>
#include <nestbox/report.h>
#include <nestbox/util/arg_string.h>

#include "test.h"

NESTBOX_MANIFEST(R"(
	<manifest>
		<requires>
			<service name="Block"/>
			<service name="Report" optional="yes"/>
		</requires>
	</manifest>)");

using namespace nestbox;

namespace Block_tester { struct Main; }


struct Block_tester::Main
{
	Env &env;

	Config_document config { env };

	pugi::xml_node const cfg = [&] { config.update(); return config.node(); }();

	Signal_handler<Main> stream_handler { env.ep(), *this, &Main::handle_stream };

	Block::Connection block {
		env, stream_handler.cap(),
		uint32_t(cfg.attribute("queue_depth").as_uint(32)),
		Arg_string::parse_size(cfg.attribute("buffer").as_string("4M")).value_or(4 << 20) };

	/* while requests are in flight, poll for acknowledgements before sleeping (base/busy_poll.h) */
	static constexpr uint64_t DEFAULT_BUSY_POLL_US = 100;

	Block::Ack_poller<Main> ack_poller { env.ep(), block, *this, &Main::handle_stream };

	bool const verbose = cfg.attribute("verbose").as_bool(false);

	std::list<std::unique_ptr<Test>> tests { };
	std::vector<Result_line>         results { };

	using Clock = std::chrono::steady_clock;
	Clock::time_point started { };

	/* Block::Connection's policy: a test sees its own jobs only */
	struct Policy
	{
		Test &test;
		void produce_write_content(Block::Job &job, uint64_t offset, std::span<std::byte> dst) {
			test.produce(static_cast<Test_job &>(job), offset, dst); }
		void consume_read_result(Block::Job &job, uint64_t offset, std::span<std::byte const> src) {
			test.consume(static_cast<Test_job &>(job), offset, src); }
		void completed(Block::Job &job, bool success) {
			test.completed(static_cast<Test_job &>(job), success); }
	};

	void start_next_test()
	{
		if (tests.empty()) { finish(); return; }
		Test &t = *tests.front();
		log("--- start test ", results.size() + 1, ": ", t.describe(), " ---");
		started = Clock::now();
		t.queue_jobs(block);
		handle_stream();
	}

	void handle_stream()
	{
		while (!tests.empty()) {
			Test &t = *tests.front();
			Policy policy { t };
			block.update_jobs(policy);
			t.queue_jobs(block);
			if (block.update_jobs(policy)) continue;
			if (!t.done()) return;

			double const seconds = std::chrono::duration<double>(Clock::now() - started).count();
			Result_line r = t.result(seconds);
			log("--- test ", results.size() + 1, " ", r.passed() ? "finished" : "FAILED", ": ", r.text(), " ---");
			results.push_back(r);
			tests.pop_front();
			if (!r.passed() && cfg.attribute("stop_on_error").as_bool(true)) tests.clear();
			start_next_test();
			return;
		}
	}

	void finish()
	{
		unsigned failed = 0;
		for (auto const &r : results) failed += r.passed() ? 0 : 1;

		if (cfg.attribute("report").as_bool(false)) {
			std::string xml = "<results>";
			for (auto const &r : results) xml += r.xml();
			xml += "</results>";
			Reporter reporter(env, "results");
			(void)reporter.report(xml);
		}
		if (block.bad_acks())
			warning("the server acknowledged ", block.bad_acks(), " packets never submitted");

		if (env.ep().busy_poll().bound_us()) {
			Busy_poll::Stats const st = env.ep().busy_poll().stats();
			log("busy polling (", env.ep().busy_poll().bound_us(), " us): ", st.spins, " spins, ", st.hits,
			    " found work, ", st.preempted, " preempted, ", st.futile_pauses, " paused as futile, ",
			    "longest pause ", st.longest_backoff_ms, " ms");
		}
		log("--- all tests finished: ", results.size() - failed, " passed, ", failed, " failed ---");
		env.exit(failed ? 1 : 0);
	}

	Main(Env &env) : env(env)
	{
		if (!block.valid()) { error("no usable Block session"); env.exit(1); }
		env.ep().busy_poll().bound_us(cfg.attribute("busy_poll_us").as_ullong(DEFAULT_BUSY_POLL_US));

		Block::Info const info = block.info();
		log("block device: ", info.block_count, " blocks of ", info.block_size, " bytes, ",
		    info.writeable ? "writeable" : "read-only", "; queue depth ", block.stream().queue_depth,
		    ", buffer ", Arg_string::format_size(block.stream().buffer_size));

		for (pugi::xml_node n : cfg.child("tests").children()) {
			std::string problem;
			auto test = Test::from_xml(n, info, verbose, problem);
			if (!test) { error("test <", n.name(), ">: ", problem); env.exit(1); }
			tests.push_back(std::move(test));
		}
		start_next_test();
	}
};


void nestbox::construct(nestbox::Env &env) { static Block_tester::Main main(env); }
