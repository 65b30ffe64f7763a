/*
 * Quota accounting of core's PD service and of the quota that flows with
 * session requests through core's parent interface
 */

#include <gtest/gtest.h>

#include <core_parent.h>
#include <cpu_service.h>
#include <log_output.h>
#include <log_service.h>
#include <pd_service.h>

using namespace nestbox;

namespace {

struct No_until : Core::Until_reached { void until_reached() override { } };
struct No_exit  : Core::Child_exit    { void child_exited(int) override { } void child_idle(int) override { } };

struct Core_fixture : ::testing::Test
{
	Entrypoint         ep { };
	No_until           no_until { };
	Core::Log_output   output { std::nullopt, no_until };
	Core::Cpu_root     cpu_root { ep };
	Core::Pd_root      pd_root { ep, output, cpu_root };

	Core::Pd_session_component &create_pd(std::string_view args)
	{
		auto grant = pd_root.session(args);
		EXPECT_TRUE(grant.ok());
		grants.push_back(std::move(grant->cap));
		return *ep.lookup_as<Core::Pd_session_component>(grants.back());
	}

	std::vector<Untyped_capability> grants { };
};

}


TEST_F(Core_fixture, dataspace_allocation_is_bounded_by_the_ram_quota)
{
	auto &pd = create_pd("label=\"test\", ram_quota=64K, cap_quota=10");

	auto a = pd.alloc(32*1024);
	ASSERT_TRUE(a.ok());
	EXPECT_EQ(pd.ram().used, 32u*1024);

	auto b = pd.alloc(64*1024);
	ASSERT_FALSE(b.ok());
	EXPECT_EQ(b.error(), Error::OUT_OF_RAM);
	EXPECT_EQ(pd.ram().used, 32u*1024);   /* a failed allocation charges nothing */

	/* sizes are charged in whole pages */
	auto c = pd.alloc(1);
	ASSERT_TRUE(c.ok());
	EXPECT_EQ(pd.ram().used, 36u*1024);

	ASSERT_TRUE(pd.free(std::move(*a)).ok());
	EXPECT_EQ(pd.ram().used, 4u*1024);
	EXPECT_TRUE(pd.alloc(60*1024).ok());
}


TEST_F(Core_fixture, only_own_dataspaces_can_be_freed)
{
	auto &pd    = create_pd("label=\"a\", ram_quota=64K, cap_quota=10");
	auto &other = create_pd("label=\"b\", ram_quota=64K, cap_quota=10");

	auto ds = other.alloc(4096);
	ASSERT_TRUE(ds.ok());
	auto r = pd.free(std::move(*ds));
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error(), Error::INVALID_CAP);
	EXPECT_EQ(other.ram().used, 4096u);
}


TEST_F(Core_fixture, cap_quota_limits_dataspaces_and_explicit_charges)
{
	auto &pd = create_pd("label=\"test\", ram_quota=1M, cap_quota=3");
	ASSERT_TRUE(pd.alloc(4096).ok());
	ASSERT_TRUE(pd.alloc_caps(2).ok());
	auto r = pd.alloc(4096);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error(), Error::OUT_OF_CAPS);
	pd.free_caps(2);
	EXPECT_TRUE(pd.alloc(4096).ok());
}


TEST_F(Core_fixture, session_quota_flows_from_the_requesting_pd)
{
	auto &init_pd = create_pd("label=\"init\", ram_quota=1M, cap_quota=100");
	No_exit no_exit;
	Core::Local_services services { { "PD", &pd_root } };
	Core::Core_parent parent(ep, "init", services, init_pd, no_exit);

	/* more than init has */
	auto too_much = parent.session("PD", "child", "ram_quota=2M, cap_quota=10");
	ASSERT_FALSE(too_much.ok());
	EXPECT_EQ(too_much.error(), Error::OUT_OF_RAM);
	EXPECT_EQ(init_pd.ram().used, 0u);

	auto child = parent.session("PD", "child", "ram_quota=512K, cap_quota=10");
	ASSERT_TRUE(child.ok());
	EXPECT_EQ(init_pd.ram().used, 512u*1024);
	EXPECT_EQ(init_pd.caps().used, 10u);

	/* the child's PD has exactly the donated quota, under its prefixed label */
	auto &child_pd = *ep.lookup_as<Core::Pd_session_component>(child->cap);
	EXPECT_EQ(child_pd.ram().limit, 512u*1024);
	EXPECT_EQ(child_pd.label(), "init -> child");

	/* an upgrade moves more quota */
	ASSERT_TRUE(parent.upgrade(child->id, "ram_quota=256K").ok());
	EXPECT_EQ(child_pd.ram().limit, 768u*1024);
	EXPECT_EQ(init_pd.ram().used, 768u*1024);

	/* unused quota can be withdrawn back to the donor, used quota cannot */
	ASSERT_TRUE(child_pd.alloc(512*1024).ok());
	auto too_much_back = child_pd.withdraw(512*1024, 0);
	ASSERT_FALSE(too_much_back.ok());
	EXPECT_EQ(too_much_back.error(), Error::OUT_OF_RAM);
	ASSERT_TRUE(child_pd.withdraw(256*1024, 5).ok());
	EXPECT_EQ(child_pd.ram().limit, 512u*1024);
	EXPECT_EQ(init_pd.ram().used, 512u*1024);
	EXPECT_EQ(init_pd.caps().used, 5u);

	/* closing gives it back */
	ASSERT_TRUE(parent.close(child->id).ok());
	EXPECT_EQ(init_pd.ram().used, 0u);
	EXPECT_EQ(init_pd.caps().used, 0u);

	/* an unknown id is refused, not trusted */
	EXPECT_FALSE(parent.close(12345).ok());
}


TEST_F(Core_fixture, unknown_service_is_denied)
{
	auto &init_pd = create_pd("label=\"init\", ram_quota=1M, cap_quota=100");
	No_exit no_exit;
	Core::Local_services services { };
	Core::Core_parent parent(ep, "init", services, init_pd, no_exit);
	auto r = parent.session("Nonexistent", "", "");
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error(), Error::DENIED);
}


TEST_F(Core_fixture, quota_moves_between_pds_of_one_core)
{
	auto &client = create_pd("label=\"client\", ram_quota=1M, cap_quota=10");
	auto &server = create_pd("label=\"server\", ram_quota=64K, cap_quota=10");

	/* a capability to 'server', as init holds one */
	auto to_server = [&] { return Capability<Pd::Session>(std::move(*ep.mint(server))); };

	ASSERT_TRUE(client.transfer_quota(to_server(), 512*1024, 4).ok());
	EXPECT_EQ(client.ram().limit, 512u*1024);
	EXPECT_EQ(server.ram().limit, 576u*1024);
	EXPECT_EQ(server.caps().limit, 14u);

	/* more than is unused: nothing moves */
	ASSERT_TRUE(client.alloc(256*1024).ok());
	auto r = client.transfer_quota(to_server(), 512*1024, 0);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error(), Error::OUT_OF_RAM);
	EXPECT_EQ(server.ram().limit, 576u*1024);

	/* a capability that is no PD of this core is refused */
	auto foreign = Channel::create();
	auto bad = client.transfer_quota(Capability<Pd::Session>(std::move(foreign->second)), 1, 0);
	ASSERT_FALSE(bad.ok());
	EXPECT_EQ(bad.error(), Error::INVALID_CAP);
}
