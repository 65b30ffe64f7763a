/*
 * The window layout of wm and decorator: which part of a decoration is
 * where (wm's hit test must match what the decorator draws) and the
 * window_layout report's format
 */

#include <gtest/gtest.h>

#include <nestbox/wm/window_layout.h>

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
