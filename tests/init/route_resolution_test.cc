/*
 * init's route resolution: the rules init routes by and 'nestbox check' checks by
 */

#include <gtest/gtest.h>

#include <nestbox/init/route_resolution.h>

using namespace Init;
using Kind = Route_resolution::Kind;
using Why  = Skipped_target::Why;

namespace {

/* a parsed config and every start node as a possible server, as the checker sees it */
struct Fixture
{
	Config_model              model;
	std::vector<Route_server> servers { };

	explicit Fixture(std::string_view text) : model(parsed(text))
	{
		for (auto const &s : model.starts) servers.push_back({ s.name, s.provides });
	}

	static Config_model parsed(std::string_view text)
	{
		Config_error e { };
		auto m = parse_config(text, e);
		EXPECT_TRUE(m) << e.message;
		return m ? std::move(*m) : Config_model { };
	}

	Route_resolution resolve(std::string_view client, std::string_view service,
	                         std::string_view label = "") const
	{
		return resolve_route(model, *model.start(client), servers, service, label);
	}
};

}


TEST(Route_resolution, first_matching_rule_of_route_then_default_route)
{
	Fixture f(R"(<config>
		<parent-provides><service name="LOG"/><service name="ROM"/></parent-provides>
		<default-route><any-service><parent/></any-service></default-route>
		<start name="log"><provides><service name="LOG"/></provides></start>
		<start name="app">
			<route>
				<service name="LOG" label="debug"><child name="log"/></service>
				<service name="Timer"><parent/></service>
			</route>
		</start>
	</config>)");

	Route_resolution const own = f.resolve("app", "LOG", "debug");
	EXPECT_EQ(own.kind, Kind::CHILD);
	EXPECT_EQ(own.server, "log");
	ASSERT_NE(own.target, nullptr);
	EXPECT_EQ(own.target->kind, Route_target::Kind::CHILD);

	/* the label does not match the child's rule: <default-route> */
	EXPECT_EQ(f.resolve("app", "LOG").kind, Kind::PARENT);

	/* a matching rule is final even if none of its targets serves */
	Route_resolution const timer = f.resolve("app", "Timer");
	EXPECT_EQ(timer.kind, Kind::UNAVAILABLE);
	ASSERT_EQ(timer.skipped.size(), 1u);
	EXPECT_EQ(timer.skipped[0].why, Why::NOT_IN_PARENT_PROVIDES);
}


TEST(Route_resolution, no_rule)
{
	Fixture f(R"(<config>
		<start name="app"><route><service name="LOG"><parent/></service></route></start>
	</config>)");
	Route_resolution const r = f.resolve("app", "ROM");
	EXPECT_EQ(r.kind, Kind::NO_RULE);
	EXPECT_TRUE(r.skipped.empty());
}


TEST(Route_resolution, inline_config_is_served_by_init_whatever_the_routes)
{
	Fixture f(R"(<config>
		<start name="app"><config><x/></config></start>
		<start name="plain"/>
	</config>)");
	EXPECT_EQ(f.resolve("app", "ROM", "config").kind, Kind::INIT);
	EXPECT_EQ(f.resolve("plain", "ROM", "config").kind, Kind::NO_RULE);
}


TEST(Route_resolution, child_targets_fall_through_with_reasons)
{
	Fixture f(R"(<config>
		<parent-provides><service name="LOG"/></parent-provides>
		<alias name="logger" child="log"/>
		<start name="log"><provides><service name="Timer"/></provides></start>
		<start name="app">
			<route><any-service>
				<child name="nobody"/> <child name="logger"/> <parent/>
			</any-service></route>
		</start>
	</config>)");

	Route_resolution const r = f.resolve("app", "LOG");
	EXPECT_EQ(r.kind, Kind::PARENT);
	ASSERT_EQ(r.skipped.size(), 2u);
	EXPECT_EQ(r.skipped[0].why, Why::NO_SUCH_CHILD);
	EXPECT_EQ(r.skipped[0].child, "nobody");
	EXPECT_EQ(r.skipped[1].why, Why::NOT_DECLARED);
	EXPECT_EQ(r.skipped[1].child, "log");            /* the alias resolved */
	EXPECT_EQ(r.skipped[1].target.child, "logger");  /* as the config names it */

	/* through the alias, to the child that declares the service */
	Route_resolution const timer = f.resolve("app", "Timer");
	EXPECT_EQ(timer.kind, Kind::CHILD);
	EXPECT_EQ(timer.server, "log");
}


TEST(Route_resolution, any_child_takes_the_one_other_child_that_declares)
{
	Fixture f(R"(<config>
		<default-route><any-service><any-child/></any-service></default-route>
		<start name="a"><provides><service name="LOG"/></provides></start>
		<start name="b"><provides><service name="LOG"/><service name="Timer"/></provides></start>
		<start name="c"/>
	</config>)");

	/* never the requester itself */
	Route_resolution const own = f.resolve("b", "Timer");
	EXPECT_EQ(own.kind, Kind::UNAVAILABLE);
	ASSERT_EQ(own.skipped.size(), 1u);
	EXPECT_EQ(own.skipped[0].why, Why::NO_CANDIDATE);

	Route_resolution const one = f.resolve("a", "LOG");
	EXPECT_EQ(one.kind, Kind::CHILD);
	EXPECT_EQ(one.server, "b");

	Route_resolution const two = f.resolve("c", "LOG");
	EXPECT_EQ(two.kind, Kind::UNAVAILABLE);
	ASSERT_EQ(two.skipped.size(), 1u);
	EXPECT_EQ(two.skipped[0].why, Why::AMBIGUOUS);
	EXPECT_EQ(two.skipped[0].candidates, (std::vector<std::string> { "a", "b" }));
}


TEST(Route_resolution, ambiguity_stops_the_resolution)
{
	Fixture f(R"(<config>
		<parent-provides><service name="LOG"/></parent-provides>
		<default-route><any-service><any-child/><parent/></any-service></default-route>
		<start name="a"><provides><service name="LOG"/></provides></start>
		<start name="b"><provides><service name="LOG"/></provides></start>
		<start name="c"/>
	</config>)");
	Route_resolution const r = f.resolve("c", "LOG");
	EXPECT_EQ(r.kind, Kind::UNAVAILABLE);
	ASSERT_EQ(r.skipped.size(), 1u);
	EXPECT_EQ(r.skipped[0].why, Why::AMBIGUOUS);
}


TEST(Route_resolution, only_the_servers_passed_can_serve)
{
	/* init passes the children that exist and run: one that exited is no server */
	Fixture f(R"(<config>
		<parent-provides><service name="LOG"/></parent-provides>
		<start name="log"><provides><service name="LOG"/></provides></start>
		<start name="app"><route><any-service><child name="log"/><parent/></any-service></route></start>
	</config>)");
	EXPECT_EQ(f.resolve("app", "LOG").kind, Kind::CHILD);

	f.servers.erase(f.servers.begin());
	Route_resolution const r = f.resolve("app", "LOG");
	EXPECT_EQ(r.kind, Kind::PARENT);
	ASSERT_EQ(r.skipped.size(), 1u);
	EXPECT_EQ(r.skipped[0].why, Why::NO_SUCH_CHILD);
}


TEST(Route_resolution, unscoped_label_matches_with_the_clients_name)
{
	Fixture f(R"(<config>
		<parent-provides><service name="ROM"/></parent-provides>
		<start name="app"><route>
			<service name="ROM" unscoped_label="app -> font"><parent/></service>
		</route></start>
	</config>)");
	EXPECT_EQ(f.resolve("app", "ROM", "font").kind, Kind::PARENT);
	EXPECT_EQ(f.resolve("app", "ROM", "other").kind, Kind::NO_RULE);
}


TEST(Route_resolution, binary_rom_is_unscoped_by_its_name_alone)
{
	/* the binary's ROM is asked for as "renamed": unscoped_label sees no "app -> " */
	Fixture f(R"(<config>
		<parent-provides><service name="ROM"/></parent-provides>
		<start name="app"><binary name="renamed"/><route>
			<service name="ROM" unscoped_label="renamed"><parent label="dummy"/></service>
		</route></start>
	</config>)");
	Route_resolution const r = resolve_route(f.model, *f.model.start("app"), f.servers, "ROM", "renamed", true);
	ASSERT_EQ(r.kind, Kind::PARENT);
	EXPECT_EQ(r.target->rewritten("renamed"), "dummy");
	EXPECT_EQ(f.resolve("app", "ROM", "renamed").kind, Kind::NO_RULE);
}
