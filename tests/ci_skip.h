/*
 * Skipping a GoogleTest: under CI a missing package fails the test
 *
 * The C++ side of tests/ci_skip.py. A test that cannot run because a package
 * is missing (a font, noVNC from npm) is skipped with the reason and the
 * package on a developer's machine, and FAILS under CI (CI=true, which .ci/run
 * sets), where scripts/install-deps has installed everything. A test that
 * cannot run because the machine lacks a feature that no package brings is
 * skipped everywhere, under CI with a loud "SKIPPED under CI" reason.
 *
 *   if (data.empty()) NESTBOX_SKIP_MISSING(FONT << " missing", "fonts-dejavu-core");
 *   if (geteuid() != 0) NESTBOX_SKIP_UNSUPPORTED("sealing needs root");
 */

#pragma once

#include <cstdlib>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace Test {

	inline bool in_ci()
	{
		char const *ci = std::getenv("CI");
		std::string_view const v = ci ? ci : "";
		return v == "1" || v == "true" || v == "TRUE" || v == "True" || v == "yes";
	}

	inline std::string install_hint(std::string_view package)
	{
		if (package.empty()) return " (scripts/install-deps)";
		return " (package " + std::string(package) + ": scripts/install-deps)";
	}
}

/*
 * REASON is streamed (it may hold '<<'); PACKAGE is what to install, "" for
 * none. Like GTEST_SKIP() it returns from the test, as a skip or, under CI, as
 * a fatal failure (one statement, no 'else' to dangle after an 'if').
 */
#define NESTBOX_SKIP_MISSING(REASON, PACKAGE) \
	return GTEST_MESSAGE_(::Test::in_ci() ? "FAILED under CI" : "Skipped", \
	                      ::Test::in_ci() ? ::testing::TestPartResult::kFatalFailure \
	                                      : ::testing::TestPartResult::kSkip) \
	       << (::Test::in_ci() ? "FAILED under CI: " : "") << REASON << ::Test::install_hint(PACKAGE)

#define NESTBOX_SKIP_UNSUPPORTED(REASON) \
	GTEST_SKIP() << (::Test::in_ci() ? "SKIPPED under CI: " : "") << REASON
