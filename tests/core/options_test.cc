/*
 * The command line of 'nestbox run' (Core::parse_options, getopt_long)
 */

#include <gtest/gtest.h>

#include <options.h>

namespace {

/* parse_options takes argv as main gets it: writable strings */
std::optional<Core::Options> parse(std::vector<std::string> args)
{
	args.insert(args.begin(), { "nestbox", "run" });
	std::vector<char *> argv;
	for (auto &a : args) argv.push_back(a.data());
	argv.push_back(nullptr);
	return Core::parse_options(int(args.size()), argv.data());
}

}


TEST(Run_options, value_after_equals_or_as_next_argument)
{
	auto a = parse({ "--timeout=5", "--ram=64M", "--caps", "300", "config.xml" });
	ASSERT_TRUE(a);
	EXPECT_EQ(*a->timeout_s, 5.0);
	EXPECT_EQ(a->init_ram, 64ull << 20);
	EXPECT_EQ(a->init_caps, 300u);
	EXPECT_EQ(a->config_path, "config.xml");

	auto b = parse({ "--timeout", "2.5", "config.xml" });
	ASSERT_TRUE(b);
	EXPECT_EQ(*b->timeout_s, 2.5);
}


TEST(Run_options, options_after_the_config)
{
	auto a = parse({ "config.xml", "--no-check", "--keep-running", "--until=ready" });
	ASSERT_TRUE(a);
	EXPECT_EQ(a->config_path, "config.xml");
	EXPECT_FALSE(a->check);
	EXPECT_TRUE(a->keep_running);
	EXPECT_EQ(*a->until, "ready");
}


TEST(Run_options, defaults)
{
	auto a = parse({ "config.xml" });
	ASSERT_TRUE(a);
	EXPECT_TRUE(a->check);
	EXPECT_FALSE(a->keep_running);
	EXPECT_TRUE(a->sealed);
	EXPECT_FALSE(a->timeout_s);
	EXPECT_EQ(a->command, Core::Options::Command::RUN);
}


TEST(Run_options, help_and_version)
{
	EXPECT_EQ(parse({ "--help" })->command, Core::Options::Command::HELP);
	EXPECT_EQ(parse({ "-h" })->command, Core::Options::Command::HELP);
	EXPECT_EQ(parse({ "--version" })->command, Core::Options::Command::VERSION);
}


TEST(Run_options, usage_errors)
{
	EXPECT_FALSE(parse({ "--bogus", "config.xml" }));
	EXPECT_FALSE(parse({ "config.xml", "--timeout" }));
	EXPECT_FALSE(parse({ "--timeout=soon", "config.xml" }));
	EXPECT_FALSE(parse({ "--timeout=-1", "config.xml" }));
	EXPECT_FALSE(parse({ "--ram=lots", "config.xml" }));
	EXPECT_FALSE(parse({ "--until=(", "config.xml" }));
	EXPECT_FALSE(parse({ "a.xml", "b.xml" }));
	EXPECT_FALSE(parse({ }));
}


TEST(Run_options, rom_dirs_in_the_order_of_the_run)
{
	auto a = parse({ "--rom-dir=/tmp", "--rom-dir", "/", "/etc/config.xml" });
	ASSERT_TRUE(a);
	auto const dirs = Core::rom_dirs(*a);
	ASSERT_EQ(dirs.size(), 4u);
	EXPECT_EQ(dirs[0], "/tmp");
	EXPECT_EQ(dirs[1], "/");
	EXPECT_EQ(dirs[2], "/etc");
	EXPECT_EQ(dirs[3], a->bin_dir);
}
