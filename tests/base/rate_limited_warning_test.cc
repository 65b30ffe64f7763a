/*
 * Rate_limited_warning: a flood of occurrences becomes one line a second
 * with a count, and none goes unmentioned
 */

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <nestbox/util/rate_limited_warning.h>

using nestbox::Rate_limited_warning;

namespace {

	/* The log lines written while it lives */
	struct Captured_log
	{
		std::vector<std::string> lines { };

		Captured_log()  { nestbox::Log_backend::install([this] (std::string_view l) { lines.emplace_back(l); }); }
		~Captured_log() { nestbox::Log_backend::install(nullptr); }
	};
}


TEST(RateLimitedWarning, a_flood_becomes_one_line_a_second_with_a_count)
{
	Captured_log log;
	{
		Rate_limited_warning w;
		uint64_t now = 5000;

		/* 100,000 occurrences within the first second: one line */
		for (unsigned i = 0; i < 100000; i++) (void)w.at(now + i / 200, "queue full, event ", i, " dropped");
		ASSERT_EQ(log.lines.size(), 1u);
		EXPECT_EQ(log.lines[0], "Warning: queue full, event 0 dropped");
		EXPECT_EQ(w.suppressed(), 99999u);

		/* the next second: the next occurrence is written, with the count of the ones left out */
		now += 1000;
		EXPECT_TRUE(w.due(now));
		EXPECT_TRUE(w.at(now, "queue full, event ", 100000, " dropped"));
		ASSERT_EQ(log.lines.size(), 2u);
		EXPECT_EQ(log.lines[1], "Warning: queue full, event 100000 dropped (99999 more like it in the last 1 s)");
		EXPECT_EQ(w.suppressed(), 0u);

		/* three more within that second, then the warning goes: the count is not lost */
		for (unsigned i = 0; i < 3; i++) EXPECT_FALSE(w.at(now + 10, "queue full"));
		EXPECT_FALSE(w.due(now + 999));
	}
	ASSERT_EQ(log.lines.size(), 3u);
	EXPECT_EQ(log.lines[2], "Warning: queue full, event 100000 dropped (3 more like it since)");
}


TEST(RateLimitedWarning, occurrences_apart_are_each_written)
{
	Captured_log log;
	{
		Rate_limited_warning w;
		for (uint64_t s = 1; s <= 5; s++) EXPECT_TRUE(w.at(s * 1000, "tick ", s));
	}
	ASSERT_EQ(log.lines.size(), 5u) << "nothing to add when the warning goes";
	EXPECT_EQ(log.lines[4], "Warning: tick 5");
}
