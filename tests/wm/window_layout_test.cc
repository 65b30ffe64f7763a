/*
 * The reports of wm, window_layouter and decorator: which part of a
 * decoration is where (the layouter's hit test must match what the
 * decorator draws, with its margins) and the reports' formats
 */

#include <gtest/gtest.h>

#include <nestbox/wm/window_layout.h>
#include <nestbox/wm/window_list.h>

using namespace nestbox;
using namespace nestbox::Wm;

namespace {

	/* content 100x50 at 20,40: the decoration spans 16,14 .. 123,93 */
	Window_entry const window { .id = 1, .title = "paint", .content = { { 20, 40 }, { 100, 50 } }, .focused = false };
}


TEST(WmWindowLayout, OuterRectangleHoldsTitleBarAndBorders)
{
	Rect const o = window.outer();
	EXPECT_EQ(o.at.x, 20 - BORDER);
	EXPECT_EQ(o.at.y, 40 - BORDER - TITLE_HEIGHT);
	EXPECT_EQ(o.area.w, 100u + 2*BORDER);
	EXPECT_EQ(o.area.h, 50u + 2*BORDER + TITLE_HEIGHT);
}


TEST(WmWindowLayout, ElementAtEachPart)
{
	EXPECT_EQ(window.element_at({ 50, 60 }),  Element::CONTENT);
	EXPECT_EQ(window.element_at({ 50, 30 }),  Element::TITLE);
	EXPECT_EQ(window.element_at({ 17, 60 }),  Element::LEFT);
	EXPECT_EQ(window.element_at({ 122, 60 }), Element::RIGHT);
	EXPECT_EQ(window.element_at({ 50, 15 }),  Element::TOP);
	EXPECT_EQ(window.element_at({ 50, 92 }),  Element::BOTTOM);
	EXPECT_EQ(window.element_at({ 16, 14 }),  Element::TOP_LEFT);
	EXPECT_EQ(window.element_at({ 123, 93 }), Element::BOTTOM_RIGHT);
	EXPECT_EQ(window.element_at({ 15, 60 }),  Element::NONE);
	EXPECT_EQ(window.element_at({ 124, 60 }), Element::NONE);

	/* the close button at the right end of the title bar */
	Rect const c = window.closer();
	EXPECT_EQ(window.element_at({ c.at.x, c.at.y }), Element::CLOSER);
	EXPECT_EQ(window.element_at({ c.at.x - 1, c.at.y }), Element::TITLE);
	EXPECT_EQ(c.at.x + int32_t(c.area.w) - 1, 20 + 100 - 1 - (TITLE_HEIGHT - CLOSER_SIZE) / 2);
}


TEST(WmWindowLayout, ReportRoundTrip)
{
	Window_entry second { .id = 7, .title = "a <\"quoted\"> & more", .content = { { -5, 300 }, { 640, 480 } }, .focused = true };

	std::string const xml = to_xml({ second, window });
	pugi::xml_document doc;
	ASSERT_TRUE(doc.load_string(xml.c_str()));

	Window_layout const layout = from_xml(doc.child("window_layout"));
	ASSERT_EQ(layout.size(), 2u);
	EXPECT_EQ(layout[0].id, 7u);
	EXPECT_EQ(layout[0].title, second.title);
	EXPECT_EQ(layout[0].content.at.x, -5);
	EXPECT_EQ(layout[0].content.area.h, 480u);
	EXPECT_TRUE(layout[0].focused);
	EXPECT_EQ(layout[1].title, "paint");
	EXPECT_FALSE(layout[1].focused);
}


TEST(WmWindowLayout, HostileReportIsBounded)
{
	pugi::xml_document doc;
	ASSERT_TRUE(doc.load_string("<window_layout><window id=\"0\"/>"
	                            "<window id=\"3\" width=\"4000000000\" height=\"9\" title=\""
	                            "0123456789012345678901234567890123456789012345678901234567890123456789\"/>"
	                            "</window_layout>"));
	Window_layout const layout = from_xml(doc.child("window_layout"));
	ASSERT_EQ(layout.size(), 1u);   /* id 0 is no window */
	EXPECT_EQ(layout[0].content.area.w, 16384u);
	EXPECT_EQ(layout[0].title.size(), size_t(TITLE_MAX));
}


TEST(WmWindowLayout, MarginsMoveTheParts)
{
	/* a decorator with a thicker title and frame: the layouter hit-tests with its margins */
	Margins const m { .top = 40, .bottom = 8, .left = 8, .right = 8 };
	EXPECT_EQ(window.outer(m).at.y, 40 - 40);
	EXPECT_EQ(window.element_at({ 50, 10 }, m), Element::TITLE);
	EXPECT_EQ(window.element_at({ 50, 3 }, m),  Element::TOP);
	EXPECT_EQ(window.element_at({ 13, 60 }, m), Element::LEFT);
	EXPECT_EQ(window.element_at({ 13, 60 }),    Element::NONE);

	pugi::xml_document doc;
	ASSERT_TRUE(doc.load_string(to_xml(m).c_str()));
	Margins const read = margins_from_xml(doc.child("decorator_margins"));
	EXPECT_EQ(read.top, 40);
	EXPECT_EQ(read.left, 8);

	ASSERT_TRUE(doc.load_string("<decorator_margins><floating top=\"-5\" left=\"100000\"/></decorator_margins>"));
	Margins const bounded = margins_from_xml(doc.child("decorator_margins"));
	EXPECT_EQ(bounded.top, 0);
	EXPECT_EQ(bounded.left, int32_t(MAX_MARGIN));
	EXPECT_EQ(bounded.bottom, BORDER);   /* not given: the decorator's own */
}


TEST(WmWindowLayout, HoverRoundTrip)
{
	Hover const h { .at = { 60, 25 }, .window = 3, .element = Element::BOTTOM_LEFT };
	pugi::xml_document doc;
	ASSERT_TRUE(doc.load_string(h.to_xml().c_str()));
	auto const read = Hover::from_xml(doc.child("hover"));
	ASSERT_TRUE(read.has_value());
	EXPECT_TRUE(*read == h);

	Hover const none { .at = { 1, 2 } };
	ASSERT_TRUE(doc.load_string(none.to_xml().c_str()));
	EXPECT_EQ(Hover::from_xml(doc.child("hover"))->window, 0u);

	/* an element nobody knows is no hover */
	ASSERT_TRUE(doc.load_string("<hover><window id=\"3\"><shadow/></window></hover>"));
	EXPECT_EQ(Hover::from_xml(doc.child("hover"))->window, 0u);
}


TEST(WmWindowList, ReportsRoundTrip)
{
	Window_list const list { { .id = 1, .label = "paint", .title = "paint \"1\"", .size = { 480, 300 } },
	                         { .id = 4, .label = "window", .title = "nested", .size = { 0, 0 } } };
	pugi::xml_document doc;
	ASSERT_TRUE(doc.load_string(to_xml(list).c_str()));
	Window_list const read = window_list_from_xml(doc.child("window_list"));
	ASSERT_EQ(read.size(), 2u);
	EXPECT_EQ(read[0].label, "paint");
	EXPECT_EQ(read[0].title, "paint \"1\"");
	EXPECT_EQ(read[0].size.w, 480u);
	EXPECT_EQ(read[1].id, 4u);

	Resize_request const resize { { .id = 2, .size = { 0, 0 } }, { .id = 3, .size = { 64, 32 } } };
	ASSERT_TRUE(doc.load_string(to_xml(resize).c_str()));
	Resize_request const r = resize_request_from_xml(doc.child("resize_request"));
	ASSERT_EQ(r.size(), 2u);
	EXPECT_EQ(r[0].size.w, 0u);
	EXPECT_EQ(r[1].size.h, 32u);

	ASSERT_TRUE(doc.load_string(focus_xml(7, 12).c_str()));
	EXPECT_EQ(focused_window(doc.child("focus")), 7u);
	EXPECT_EQ(doc.child("focus").attribute("presses").as_ullong(), 12u);
	ASSERT_TRUE(doc.load_string(focus_xml(0, 1).c_str()));
	EXPECT_EQ(focused_window(doc.child("focus")), 0u);

	/* sizes in a hostile report are bounded */
	ASSERT_TRUE(doc.load_string("<resize_request><window id=\"1\" width=\"4000000000\" height=\"5\"/></resize_request>"));
	EXPECT_EQ(resize_request_from_xml(doc.child("resize_request"))[0].size.w, uint32_t(MAX_SIDE));
}


TEST(WmWindowList, FirstMatchingRuleAndTheRulesReport)
{
	pugi::xml_document config;
	ASSERT_TRUE(config.load_string("<config>"
		"<assign label=\"paint\" xpos=\"20\" ypos=\"30\"/>"
		"<assign label_prefix=\"term\" xpos=\"500\" ypos=\"30\"/>"
		"<assign label_suffix=\"-big\" width=\"800\" height=\"600\"/>"
		"<assign label_prefix=\"p\" xpos=\"1\" ypos=\"1\"/>"
		"</config>"));
	pugi::xml_node const c = config.child("config");

	EXPECT_STREQ(assign_rule(c, "paint").attribute("xpos").value(), "20");       /* label, before the prefix "p" */
	EXPECT_STREQ(assign_rule(c, "terminal").attribute("xpos").value(), "500");
	EXPECT_STREQ(assign_rule(c, "term-big").attribute("xpos").value(), "500");   /* the first match wins */
	EXPECT_STREQ(assign_rule(c, "editor-big").attribute("width").value(), "800");
	EXPECT_STREQ(assign_rule(c, "pong").attribute("xpos").value(), "1");
	EXPECT_FALSE(assign_rule(c, "clock"));

	/* paint moved to 100,120: its rule says so; rules no window uses stay as they are */
	std::string const rules = rules_xml({ { .label = "paint", .at = { 100, 120 }, .size = { 480, 300 } } }, c);
	pugi::xml_document doc;
	ASSERT_TRUE(doc.load_string(rules.c_str()));
	pugi::xml_node const r = doc.child("rules");
	EXPECT_STREQ(r.first_child().attribute("label").value(), "paint");
	EXPECT_EQ(r.first_child().attribute("xpos").as_int(), 100);
	EXPECT_EQ(r.first_child().attribute("height").as_uint(), 300u);
	EXPECT_EQ(std::distance(r.children("assign").begin(), r.children("assign").end()), 4);
	EXPECT_STREQ(r.last_child().attribute("label_prefix").value(), "p");

	/* read as a config again, paint goes where it is now */
	pugi::xml_document again;
	ASSERT_TRUE(again.load_string(("<config>" + rules.substr(7, rules.size() - 7 - 9) + "</config>").c_str()));
	EXPECT_STREQ(assign_rule(again.child("config"), "paint").attribute("xpos").value(), "100");
}
