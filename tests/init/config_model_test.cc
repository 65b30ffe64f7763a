/*
 * init's config model: parsing, defaults, errors with positions, route matching
 */

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include <nestbox/init/config_model.h>

using namespace Init;

static std::optional<Config_model> parse(std::string_view text, Config_error &e)
{
	return parse_config(text, e);
}


TEST(Config_model, start_nodes_with_defaults_and_resources)
{
	Config_error e { };
	auto m = parse(R"(<config>
		<parent-provides><service name="LOG"/><service name="ROM"/></parent-provides>
		<default caps="200" ram="4M"/>
		<start name="a"/>
		<start name="b" caps="300" ram="1M"><binary name="dummy"/></start>
		<start name="c"><resource name="RAM" quantum="2M"/>
			<provides><service name="LOG"/></provides>
			<config><log string="x"/></config></start>
	</config>)", e);
	ASSERT_TRUE(m) << e.message;
	ASSERT_EQ(m->starts.size(), 3u);
	EXPECT_EQ(m->parent_provides.size(), 2u);

	EXPECT_EQ(m->starts[0].binary, "a");
	EXPECT_EQ(m->starts[0].ram,  4u << 20);
	EXPECT_EQ(m->starts[0].caps, 200u);
	EXPECT_FALSE(m->starts[0].config);

	EXPECT_EQ(m->starts[1].binary, "dummy");
	EXPECT_EQ(m->starts[1].ram, 1u << 20);
	EXPECT_EQ(m->starts[1].caps, 300u);

	EXPECT_EQ(m->starts[2].ram, 2u << 20);
	ASSERT_EQ(m->starts[2].provides.size(), 1u);
	ASSERT_TRUE(m->starts[2].config);
	EXPECT_NE(m->starts[2].config->find("<log string=\"x\""), std::string::npos);
}


TEST(Config_model, errors_name_the_place)
{
	struct Case { char const *text; char const *message_part; size_t offset; };
	Case const cases[] = {
		{ "<config><start></config>",                     "mismatch",      0 },
		{ "<config><start/></config>",                    "without a name", 9 },
		{ "<config><start name=\"a\"/><start name=\"a\"/></config>", "more than one", 26 },
		{ "<config><start name=\"a\" ram=\"lots\"/></config>", "invalid ram",   9 },
		{ "<config><default-route><any-service/></default-route></config>", "without a target", 24 },
		{ "<config><default-route><any-service><nowhere/></any-service></default-route></config>",
		  "unknown route target", 37 },
		{ "<nonsense/>", "top-level", 1 },
	};
	for (auto const &c : cases) {
		Config_error e { };
		EXPECT_FALSE(parse(c.text, e)) << c.text;
		EXPECT_NE(e.message.find(c.message_part), std::string::npos) << c.text << ": " << e.message;
		if (c.offset) { EXPECT_EQ(e.offset, c.offset) << c.text; }
	}
}


TEST(Config_model, route_rules_match_service_and_labels)
{
	Route_rule any;
	EXPECT_TRUE(any.matches("LOG", "x", "client -> x"));

	Route_rule rule;
	rule.service = "ROM";
	rule.label   = "config";
	EXPECT_TRUE (rule.matches("ROM", "config", "client -> config"));
	EXPECT_FALSE(rule.matches("LOG", "config", "client -> config"));
	EXPECT_FALSE(rule.matches("ROM", "other",  "client -> other"));

	Route_rule prefix;
	prefix.label_prefix = "fs";
	EXPECT_TRUE (prefix.matches("LOG", "fs -> a", "c -> fs -> a"));
	EXPECT_FALSE(prefix.matches("LOG", "x",       "c -> x"));

	Route_rule last;
	last.label_last = "font";
	EXPECT_TRUE (last.matches("ROM", "a -> b -> font", ""));
	EXPECT_FALSE(last.matches("ROM", "font -> b", ""));

	Route_rule suffix;
	suffix.label_suffix = ".png";
	EXPECT_TRUE(suffix.matches("ROM", "logo.png", ""));

	Route_rule unscoped;
	unscoped.unscoped_label = "client";
	EXPECT_TRUE (unscoped.matches("LOG", "", "client"));
	EXPECT_FALSE(unscoped.matches("LOG", "", "other"));
}


TEST(Config_model, host_grants)
{
	Config_error e { };
	auto m = parse(R"(<config><start name="a"><host>
		<tcp listen="5900"/> <device path="/dev/kvm"/>
		<directory path="/srv/data" writeable="yes"/> <x11 display=":99"/>
	</host></start></config>)", e);
	ASSERT_TRUE(m) << e.message;
	auto const &h = m->starts[0].host;
	ASSERT_EQ(h.size(), 4u);
	EXPECT_EQ(h[0].encoded(), "tcp:127.0.0.1:5900");
	EXPECT_EQ(h[1].encoded(), "device:/dev/kvm");
	EXPECT_EQ(h[2].encoded(), "dir-rw:/srv/data");
	EXPECT_EQ(h[3].encoded(), "x11::99");

	/* what could break the session argument, escape the root or name a remote display */
	for (char const *bad : { "<tcp listen=\"0\"/>", "<device path=\"dev/kvm\"/>",
	                         "<directory path=\"/srv/../etc\"/>", "<directory path=\"/a|b\"/>",
	                         "<x11 display=\"remote:0\"/>", "<printer/>" }) {
		Config_error err { };
		std::string const text = std::string("<config><start name=\"a\"><host>") + bad + "</host></start></config>";
		EXPECT_FALSE(parse(text, err)) << bad;
	}
}


TEST(Config_model, tap_grants_name_a_namespace_or_the_host_explicitly)
{
	Config_error e { };
	auto m = parse(R"(<config><start name="a"><host>
		<tap name="tap0" netns="nb0"/> <tap name="tap1" host="yes"/>
	</host></start></config>)", e);
	ASSERT_TRUE(m) << e.message;
	auto const &h = m->starts[0].host;
	ASSERT_EQ(h.size(), 2u);
	EXPECT_EQ(h[0].encoded(), "tap:tap0@nb0");
	EXPECT_EQ(h[1].encoded(), "tap:tap1@");

	/* neither or both places, names the kernel or the grant's encoding would not take */
	for (char const *bad : { "<tap name=\"tap0\"/>", "<tap name=\"tap0\" netns=\"nb0\" host=\"yes\"/>",
	                         "<tap netns=\"nb0\"/>", "<tap name=\"a-name-far-too-long\" netns=\"nb0\"/>",
	                         "<tap name=\"t|0\" netns=\"nb0\"/>", "<tap name=\"tap0\" netns=\"../x\"/>",
	                         "<tap name=\"tap0\" netns=\"\"/>", "<tap name=\"..\" host=\"yes\"/>" }) {
		Config_error err { };
		std::string const text = std::string("<config><start name=\"a\"><host>") + bad + "</host></start></config>";
		EXPECT_FALSE(parse(text, err)) << bad;
	}
}


TEST(Config_model, restart_policy)
{
	Config_error e { };
	auto m = parse(R"(<config>
		<start name="a"><restart/></start>
		<start name="b"><restart on="failure" max="3" within_s="10" backoff_ms="0"/></start>
		<start name="c"/>
	</config>)", e);
	ASSERT_TRUE(m) << e.message;
	ASSERT_TRUE(m->starts[0].restart);
	Restart_policy const &a = *m->starts[0].restart;
	EXPECT_EQ(a.on, Restart_policy::On::CRASH);
	EXPECT_EQ(a.max, 5u);
	EXPECT_EQ(a.within_s, 60u);
	EXPECT_EQ(a.backoff_ms, 100u);
	EXPECT_TRUE(a.applies(-6));      /* SIGABRT */
	EXPECT_FALSE(a.applies(3));      /* an exit is no crash */
	EXPECT_FALSE(a.applies(0));

	Restart_policy const &b = *m->starts[1].restart;
	EXPECT_EQ(b.on, Restart_policy::On::FAILURE);
	EXPECT_EQ(b.max, 3u);
	EXPECT_EQ(b.within_s, 10u);
	EXPECT_EQ(b.backoff_ms, 0u);
	EXPECT_TRUE(b.applies(3));
	EXPECT_TRUE(b.applies(-9));
	EXPECT_FALSE(b.applies(0));

	EXPECT_FALSE(m->starts[2].restart);

	/* each bad value is an error that names it */
	for (auto const &[node, message] : std::vector<std::pair<std::string, std::string>> {
		{ R"(<restart on="always"/>)",      R"(<restart> on="always": must be "crash" or "failure")" },
		{ R"(<restart max="0"/>)",          R"(<restart> max="0": must be a number from 1 to 1000)" },
		{ R"(<restart max="1001"/>)",       R"(<restart> max="1001": must be a number from 1 to 1000)" },
		{ R"(<restart within_s="-1"/>)",    R"(<restart> within_s="-1": must be a number from 1 to 86400)" },
		{ R"(<restart backoff_ms="1s"/>)",  R"(<restart> backoff_ms="1s": must be a number from 0 to 60000)" },
		{ R"(<restart max="99999999999"/>)", R"(<restart> max="99999999999": must be a number from 1 to 1000)" },
		{ R"(<restart tries="3"/>)",        R"(unknown attribute "tries" of <restart> (on, max, within_s, backoff_ms))" } }) {
		Config_error bad { };
		EXPECT_FALSE(parse("<config><start name=\"a\">" + node + "</start></config>", bad)) << node;
		EXPECT_EQ(bad.message, message);
	}
}


/* 'levels' nested inits: <config><start><config><start>… (two XML levels each) */
static std::string nested_inits(unsigned levels)
{
	std::string text;
	for (unsigned i = 0; i < levels; i++) text += "<config><start name=\"init\">";
	text += "<config/>";
	for (unsigned i = 0; i < levels; i++) text += "</start></config>";
	return text;
}


TEST(Config_model, nesting_is_bounded_with_a_clear_error)
{
	Config_error e { };

	/* 31 nested inits: 63 levels below and including the top <config> */
	auto ok = parse(nested_inits(31), e);
	EXPECT_TRUE(ok) << e.message;

	/* one level more: refused, pointing at the first node too deep */
	std::string const deeper = nested_inits(32);
	EXPECT_FALSE(parse(deeper, e));
	EXPECT_EQ(e.message, "the config is nested deeper than 64 levels (nested inits included)");
	EXPECT_EQ(e.offset, 32 * std::string("<config><start name=\"init\">").size() + 1);

	/*
	 * 10,000 nested inits, the issue's example: before, init re-indented
	 * every level's inline config (quadratic) and was killed; now refused
	 * at parse time, without recursion
	 */
	EXPECT_FALSE(parse(nested_inits(10000), e));
	EXPECT_NE(e.message.find("nested deeper than 64 levels"), std::string::npos);
}
