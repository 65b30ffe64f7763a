/*
 * Server-side policy selection: Genode's precedence
 */

#include <gtest/gtest.h>

#include <nestbox/util/policy.h>

using namespace nestbox;

namespace {

struct Policies
{
	pugi::xml_document doc;
	explicit Policies(char const *xml) { doc.load_string(xml); }
	std::string select(std::string_view label)
	{
		pugi::xml_node p = select_policy(doc.document_element(), label);
		return p ? p.attribute("id").value() : "none";
	}
};

}


TEST(Policy, exact_label_beats_prefix_beats_suffix_beats_default)
{
	Policies p(R"(<config>
		<default-policy id="default"/>
		<policy label_suffix="-> font" id="suffix"/>
		<policy label_prefix="app" id="short-prefix"/>
		<policy label_prefix="app -> sub" id="long-prefix"/>
		<policy label="app -> sub -> font" id="exact"/>
		<policy label_last="icon" id="last"/>
	</config>)");

	EXPECT_EQ(p.select("app -> sub -> font"),  "exact");
	EXPECT_EQ(p.select("app -> sub -> other"), "long-prefix");
	EXPECT_EQ(p.select("app -> x"),            "short-prefix");
	EXPECT_EQ(p.select("shell -> font"),       "suffix");
	EXPECT_EQ(p.select("shell -> icon"),       "last");
	EXPECT_EQ(p.select("unrelated"),           "default");
}


TEST(Policy, all_given_attributes_must_match)
{
	Policies p(R"(<config>
		<policy label_prefix="a" label_suffix="z" id="both"/>
	</config>)");
	EXPECT_EQ(p.select("a -> z"), "both");
	EXPECT_EQ(p.select("a -> y"), "none");
	EXPECT_EQ(p.select("b -> z"), "none");
}


TEST(Policy, no_policy_no_default_denies)
{
	Policies p("<config><policy label=\"x\" id=\"x\"/></config>");
	EXPECT_EQ(p.select("y"), "none");
	EXPECT_EQ(p.select("x"), "x");
}


TEST(Policy, prefix_is_not_a_substring_match)
{
	Policies p("<config><policy label_prefix=\"gui\" id=\"gui\"/></config>");
	EXPECT_EQ(p.select("nested gui"), "none");
	EXPECT_EQ(p.select("gui -> app"), "gui");
}
