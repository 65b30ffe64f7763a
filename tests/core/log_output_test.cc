/*
 * Core's log output: labels, line splitting, no terminal control from components
 */

#include <gtest/gtest.h>

#include <cstdio>
#include <unistd.h>

#include <log_output.h>

namespace {

struct Until : Core::Until_reached
{
	bool reached = false;
	void until_reached() override { reached = true; }
};

/* what 'fn' writes to standard output */
template <typename FN>
std::string captured(FN const &fn)
{
	std::fflush(stdout);
	int fds[2];
	if (::pipe(fds) < 0) return { };
	int const saved = ::dup(1);
	::dup2(fds[1], 1);
	fn();
	::dup2(saved, 1);
	::close(saved);
	::close(fds[1]);
	std::string out;
	char buf[4096];
	ssize_t n;
	while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, size_t(n));
	::close(fds[0]);
	return out;
}

}


TEST(Log_output, every_line_carries_the_label)
{
	Until until;
	Core::Log_output out(std::nullopt, until);
	EXPECT_EQ(captured([&] { out.write("init -> a", "one\ntwo\n"); }),
	          "[init -> a] one\n[init -> a] two\n");
}


TEST(Log_output, control_characters_cannot_reach_the_terminal)
{
	Until until;
	Core::Log_output out(std::nullopt, until);
	EXPECT_EQ(captured([&] { out.write("evil", "\x1b[2Jcleared\rfake\tok\x7f"); }),
	          "[evil] ?[2Jcleared?fake\tok?\n");
}


TEST(Log_output, until_matches_whole_printed_lines)
{
	Until until;
	Core::Log_output out(std::string("^\\[init\\] ready$"), until);
	(void)captured([&] { out.write("init -> a", "[init] ready"); });
	EXPECT_FALSE(until.reached);   /* a component cannot forge init's line */
	(void)captured([&] { out.write("init", "ready"); });
	EXPECT_TRUE(until.reached);
}
