/*
 * Session argument strings and labels, including input a hostile client
 * could send with a session request
 */

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>

#include <nestbox/util/arg_string.h>

using namespace nestbox;

namespace {

constexpr uint64_t K = 1ull << 10, M = 1ull << 20, G = 1ull << 30;

}


TEST(Arg_string, find_returns_the_raw_value)
{
	std::string_view const args = "label=\"init -> demo\", ram_quota=8K, cap_quota=4";

	auto label = Arg_string::find(args, "label");
	ASSERT_TRUE(label.has_value());
	EXPECT_EQ(*label, "\"init -> demo\"");

	EXPECT_EQ(Arg_string::find(args, "ram_quota").value_or("?"), "8K");
	EXPECT_EQ(Arg_string::find(args, "cap_quota").value_or("?"), "4");
	EXPECT_FALSE(Arg_string::find(args, "missing").has_value());
	EXPECT_FALSE(Arg_string::find("", "label").has_value());
}


TEST(Arg_string, find_matches_whole_keys_only)
{
	std::string_view const args = "ram_quota_max=1M, ram=2, ram_quota=3";
	EXPECT_EQ(Arg_string::find(args, "ram_quota").value_or("?"), "3");
	EXPECT_EQ(Arg_string::find(args, "ram").value_or("?"), "2");
	EXPECT_FALSE(Arg_string::find(args, "ram_").has_value());
	EXPECT_FALSE(Arg_string::find(args, "quota").has_value());
}


TEST(Arg_string, first_of_duplicate_keys_wins)
{
	EXPECT_EQ(Arg_string::number("ram_quota=1K, ram_quota=1G", "ram_quota"), K);
}


TEST(Arg_string, key_without_value_is_present_but_empty)
{
	auto v = Arg_string::find("verbose, label=\"x\"", "verbose");
	ASSERT_TRUE(v.has_value());
	EXPECT_EQ(*v, "");
	EXPECT_EQ(Arg_string::string("verbose, label=\"x\"", "label"), "x");
}


TEST(Arg_string, string_unquotes_and_keeps_commas_inside_quotes)
{
	std::string_view const args = "label=\"a, b -> c\", ram_quota=4K";
	EXPECT_EQ(Arg_string::string(args, "label"), "a, b -> c");
	EXPECT_EQ(Arg_string::number(args, "ram_quota"), 4*K);

	/* an unquoted value is taken as it stands */
	EXPECT_EQ(Arg_string::string("label=plain", "label"), "plain");

	/* an empty quoted string */
	EXPECT_EQ(Arg_string::string("label=\"\", x=1", "label", "fallback"), "");

	EXPECT_EQ(Arg_string::string(args, "missing", "fallback"), "fallback");
	EXPECT_EQ(Arg_string::string(args, "missing"), "");
}


TEST(Arg_string, whitespace_around_separators)
{
	std::string_view const args = "  label=\"x\" ,ram_quota=2M ,   cap_quota=3  ";
	EXPECT_EQ(Arg_string::string(args, "label"), "x");
	EXPECT_EQ(Arg_string::number(args, "ram_quota"), 2*M);
	EXPECT_EQ(Arg_string::number(args, "cap_quota"), 3u);
}


TEST(Arg_string, number_with_suffixes_and_fallback)
{
	std::string_view const args = "a=0, b=17, c=4K, d=4k, e=2M, f=1G, g=junk, h=";
	EXPECT_EQ(Arg_string::number(args, "a", 99), 0u);
	EXPECT_EQ(Arg_string::number(args, "b"), 17u);
	EXPECT_EQ(Arg_string::number(args, "c"), 4*K);
	EXPECT_EQ(Arg_string::number(args, "d"), 4*K);
	EXPECT_EQ(Arg_string::number(args, "e"), 2*M);
	EXPECT_EQ(Arg_string::number(args, "f"), G);

	/* malformed or empty values and missing keys fall back */
	EXPECT_EQ(Arg_string::number(args, "g", 7), 7u);
	EXPECT_EQ(Arg_string::number(args, "h", 7), 7u);
	EXPECT_EQ(Arg_string::number(args, "missing", 7), 7u);
}


TEST(Arg_string, parse_size_accepts_genode_notation)
{
	EXPECT_EQ(Arg_string::parse_size("0"),     0u);
	EXPECT_EQ(Arg_string::parse_size("4096"),  4096u);
	EXPECT_EQ(Arg_string::parse_size("8K"),    8*K);
	EXPECT_EQ(Arg_string::parse_size("8k"),    8*K);
	EXPECT_EQ(Arg_string::parse_size("16M"),   16*M);
	EXPECT_EQ(Arg_string::parse_size("16m"),   16*M);
	EXPECT_EQ(Arg_string::parse_size("3G"),    3*G);
	EXPECT_EQ(Arg_string::parse_size("3g"),    3*G);
	EXPECT_EQ(Arg_string::parse_size("007"),   7u);
}


TEST(Arg_string, parse_size_rejects_bad_suffixes_and_junk)
{
	for (std::string_view s : { "", "K", "M", "-1", "+1", " 1", "1 ", "1 K", "8KB", "8Ki", "8X",
	                            "8T", "1.5M", "0x10", "1e6", "12a", "K8", "\"8K\"" })
		EXPECT_FALSE(Arg_string::parse_size(s).has_value()) << "'" << s << "'";
}


TEST(Arg_string, parse_size_rejects_overflow)
{
	/* the largest multiples that still fit */
	EXPECT_EQ(Arg_string::parse_size("17179869183G"), 17179869183ull * G);
	EXPECT_EQ(Arg_string::parse_size("1000000000000000000"), 1000000000000000000ull);

	for (std::string_view s : { "18446744073709551616",          /* 2^64 */
	                            "99999999999999999999",
	                            "999999999999999999999999999999999999999999",
	                            "17179869184G",                  /* 2^34 G = 2^64 */
	                            "17592186044416M",               /* 2^44 M = 2^64 */
	                            "18014398509481984K" })          /* 2^54 K = 2^64 */
		EXPECT_FALSE(Arg_string::parse_size(s).has_value()) << s;

	/* an overflowing quota is no quota, not a wrapped-around small one */
	EXPECT_EQ(Arg_string::number("ram_quota=18446744073709551617", "ram_quota", 5), 5u);
}


TEST(Arg_string, format_size_uses_the_largest_exact_unit)
{
	EXPECT_EQ(Arg_string::format_size(0),        "0");
	EXPECT_EQ(Arg_string::format_size(1),        "1");
	EXPECT_EQ(Arg_string::format_size(1023),     "1023");
	EXPECT_EQ(Arg_string::format_size(K),        "1K");
	EXPECT_EQ(Arg_string::format_size(K + 1),    "1025");
	EXPECT_EQ(Arg_string::format_size(1536),     "1536");
	EXPECT_EQ(Arg_string::format_size(1536*K),   "1536K");
	EXPECT_EQ(Arg_string::format_size(2*M),      "2M");
	EXPECT_EQ(Arg_string::format_size(G),        "1G");
	EXPECT_EQ(Arg_string::format_size(1024*G),   "1024G");
	EXPECT_EQ(Arg_string::format_size(UINT64_MAX), "18446744073709551615");
}


TEST(Arg_string, format_and_parse_round_trip)
{
	for (uint64_t v : std::initializer_list<uint64_t> { 0, 1, 4095, 4096, 12345, 3*M, 3*M + 4*K, 5*G, 1ull << 62 })
		EXPECT_EQ(Arg_string::parse_size(Arg_string::format_size(v)), v) << v;
}


TEST(Arg_string, set_replaces_or_appends)
{
	EXPECT_EQ(Arg_string::set("", "ram_quota", "8K"), "ram_quota=8K");
	EXPECT_EQ(Arg_string::set("label=\"a\"", "ram_quota", "8K"), "label=\"a\", ram_quota=8K");

	std::string const replaced = Arg_string::set("label=\"a, b\", ram_quota=8K, cap_quota=3",
	                                             "ram_quota", "16K");
	EXPECT_EQ(replaced, "label=\"a, b\", ram_quota=16K, cap_quota=3");
	EXPECT_EQ(Arg_string::number(replaced, "ram_quota"), 16*K);
	EXPECT_EQ(Arg_string::string(replaced, "label"), "a, b");
	EXPECT_EQ(Arg_string::number(replaced, "cap_quota"), 3u);
}


TEST(Arg_string, set_string_quotes_and_cannot_be_used_for_injection)
{
	std::string const args = Arg_string::set_string("ram_quota=8K", "label", "init -> demo");
	EXPECT_EQ(Arg_string::string(args, "label"), "init -> demo");
	EXPECT_EQ(Arg_string::number(args, "ram_quota"), 8*K);

	/*
	 * A client-chosen label that tries to close the quotes and smuggle in a
	 * quota of its own must end up as part of the label, nothing more.
	 */
	std::string const hostile = Arg_string::set_string("ram_quota=8K", "label",
	                                                   "x\", ram_quota=1G, y=\"");
	EXPECT_EQ(Arg_string::number(hostile, "ram_quota"), 8*K);
	EXPECT_FALSE(Arg_string::find(hostile, "y").has_value());
	EXPECT_EQ(Arg_string::string(hostile, "label"), "x, ram_quota=1G, y=");

	/* replacing a label keeps the rest intact */
	std::string const relabeled = Arg_string::set_string(args, "label", "other");
	EXPECT_EQ(Arg_string::string(relabeled, "label"), "other");
	EXPECT_EQ(Arg_string::number(relabeled, "ram_quota"), 8*K);
}


TEST(Arg_string, unterminated_quote_ends_the_arguments)
{
	/*
	 * An unterminated quote makes the pair and everything after it
	 * unreadable: none of it can be told apart from the quoted text.
	 */
	std::string_view const args = "ram_quota=4K, label=\"abc, cap_quota=1000";
	EXPECT_EQ(Arg_string::number(args, "ram_quota"), 4*K);
	EXPECT_FALSE(Arg_string::find(args, "label").has_value());
	EXPECT_FALSE(Arg_string::find(args, "cap_quota").has_value());

	/* a stray quote in mid-value does the same */
	EXPECT_EQ(Arg_string::number("label=a\"b, ram_quota=1G", "ram_quota", 5), 5u);

	/*
	 * A parent that sets a key on such a request drops the broken rest, so
	 * the key it sets can always be read back by the server.
	 */
	std::string const relabeled = Arg_string::set_string(args, "label", "init -> abc");
	EXPECT_EQ(relabeled, "ram_quota=4K, label=\"init -> abc\"");
	EXPECT_EQ(Arg_string::string(relabeled, "label"), "init -> abc");

	std::string const hidden = Arg_string::set("x=\"", "label", "\"init -> c\"");
	EXPECT_EQ(Arg_string::string(hidden, "label"), "init -> c");
}


TEST(Arg_string, degenerate_input_does_not_crash)
{
	for (std::string_view s : { ",", ",,,", " , , ", "=", "==", "=5", "\"", "\"\"\"", "a=\"",
	                            "a==b", "=\"x\",=,", "a=1,", ",a=1" }) {
		(void)Arg_string::find(s, "a");
		(void)Arg_string::string(s, "a");
		(void)Arg_string::number(s, "a");
		(void)Arg_string::set(s, "a", "1");
	}
	EXPECT_EQ(Arg_string::number("=5, a=1", "a"), 1u);
	EXPECT_EQ(Arg_string::number("a=1,", "a"), 1u);
	EXPECT_EQ(Arg_string::number(",a=1", "a"), 1u);
	EXPECT_FALSE(Arg_string::find("=5", "").has_value());

	/* a long argument string is walked, not recursed */
	std::string big;
	/* appended piecewise: '"k" + std::to_string(i)' trips GCC 12's -Wrestrict
	   false positive at -O3 (Release, -Werror) */
	for (unsigned i = 0; i < 100000; i++) big.append("k").append(std::to_string(i)).append("=1, ");
	big += "last=42";
	EXPECT_EQ(Arg_string::number(big, "last"), 42u);
}


TEST(Label, prefixed)
{
	EXPECT_EQ(Label::prefixed("init", ""), "init");
	EXPECT_EQ(Label::prefixed("demo", "main"), "demo -> main");
	EXPECT_EQ(Label::prefixed("init", Label::prefixed("demo", "main")), "init -> demo -> main");
}


TEST(Label, last_element)
{
	EXPECT_EQ(Label::last_element("init -> demo -> main"), "main");
	EXPECT_EQ(Label::last_element("demo -> main"), "main");
	EXPECT_EQ(Label::last_element("main"), "main");
	EXPECT_EQ(Label::last_element(""), "");
	EXPECT_EQ(Label::last_element("init -> "), "");

	/* only the full separator splits: an arrow without spaces is part of a name */
	EXPECT_EQ(Label::last_element("a->b"), "a->b");
	EXPECT_EQ(Label::last_element("init -> a->b"), "a->b");
}


TEST(Arg_string, spaces_around_values_are_ignored)
{
	EXPECT_EQ(Arg_string::number("ram_quota= 8K , cap_quota =3", "ram_quota"), 8*K);
	EXPECT_EQ(Arg_string::number("ram_quota= 8K , cap_quota =3", "cap_quota"), 3u);
	EXPECT_EQ(Arg_string::string("label=  \"a\"", "label"), "a");
}


TEST(Arg_string, remove_drops_a_key_and_keeps_the_rest)
{
	EXPECT_EQ(Arg_string::remove("ram_quota=4K, host=\"tcp:1.2.3.4:5\", label=\"a\"", "host"),
	          "ram_quota=4K, label=\"a\"");
	EXPECT_EQ(Arg_string::remove("host=\"x\"", "host"), "");
	EXPECT_EQ(Arg_string::remove("a=1", "host"), "a=1");
}
