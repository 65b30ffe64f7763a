/*
 * GoogleTest's side of the CI mode (tests/ci_skip.h), run by ci_skip_test.py
 * with and without CI=true: not a test of its own
 */

#include "ci_skip.h"


TEST(Ci_skip_probe, missing_package)
{
	NESTBOX_SKIP_MISSING("probe's tool" << " missing", "probe-package");
	FAIL() << "NESTBOX_SKIP_MISSING returned";
}


TEST(Ci_skip_probe, unsupported_machine)
{
	NESTBOX_SKIP_UNSUPPORTED("probe's machine feature absent");
	FAIL() << "NESTBOX_SKIP_UNSUPPORTED returned";
}
