/*
 * Core's Report service: reports become files, atomically, at safe paths
 */

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <report_service.h>

using namespace nestbox;
namespace fs = std::filesystem;

namespace {

struct Report_fixture : ::testing::Test
{
	fs::path dir = fs::temp_directory_path() / ("nestbox-report-test-" + std::to_string(::getpid()));
	Entrypoint        ep { };
	Core::Report_root root { ep, dir.string() };
	std::vector<Untyped_capability> caps { };

	void TearDown() override { fs::remove_all(dir); }

	Core::Report_session_component *open(std::string const &args)
	{
		auto grant = root.session(args);
		if (!grant) return nullptr;
		caps.push_back(std::move(grant->cap));
		return ep.lookup_as<Core::Report_session_component>(caps.back());
	}

	static std::string read(fs::path const &p)
	{
		std::ifstream in(p);
		std::stringstream ss;
		ss << in.rdbuf();
		return ss.str();
	}
};

}


TEST_F(Report_fixture, label_elements_become_directories)
{
	auto *r = open("label=\"init -> state\", buffer_size=64, ram_quota=64");
	ASSERT_NE(r, nullptr);

	std::strcpy(r->buffer.local_addr(), "<state version=\"1\"/>");
	ASSERT_TRUE(r->submit(20).ok());
	EXPECT_EQ(read(dir / "init" / "state"), "<state version=\"1\"/>");

	/* a second report replaces the first as a whole */
	std::strcpy(r->buffer.local_addr(), "<state/>");
	ASSERT_TRUE(r->submit(8).ok());
	EXPECT_EQ(read(dir / "init" / "state"), "<state/>");

	/* no temporary file is left behind */
	size_t files = 0;
	for (auto const &e : fs::directory_iterator(dir / "init")) { (void)e; files++; }
	EXPECT_EQ(files, 1u);
}


TEST_F(Report_fixture, hostile_labels_stay_inside_the_report_dir)
{
	auto *r = open("label=\"init -> .. -> ../../etc/passwd\", buffer_size=16, ram_quota=16");
	ASSERT_NE(r, nullptr);
	EXPECT_EQ(r->path, (dir / "init" / "_" / ".._.._etc_passwd").string());
	std::strcpy(r->buffer.local_addr(), "x");
	ASSERT_TRUE(r->submit(1).ok());
	EXPECT_TRUE(fs::exists(dir / "init" / "_" / ".._.._etc_passwd"));
}


TEST_F(Report_fixture, submit_beyond_the_buffer_is_refused)
{
	auto *r = open("label=\"a\", buffer_size=16, ram_quota=16");
	ASSERT_NE(r, nullptr);
	auto res = r->submit(4096);
	ASSERT_FALSE(res.ok());
	EXPECT_EQ(res.error(), Error::INVALID_ARGS);
}


TEST_F(Report_fixture, buffer_must_be_paid_for_with_session_quota)
{
	auto grant = root.session("label=\"a\", buffer_size=1M, ram_quota=4K");
	ASSERT_FALSE(grant.ok());
	EXPECT_EQ(grant.error(), Error::OUT_OF_RAM);
}
