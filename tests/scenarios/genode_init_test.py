#!/usr/bin/env python3
"""Genode's own init test, run unchanged by 'nestbox test'.

    genode_init_test.py NESTBOX

The file is Genode's (repos/os/recipes/raw/test-init/test-init.config of
genodelabs/genode, AGPL): it is not part of this repository and this test
fetches nothing. It runs the file named by NESTBOX_GENODE_TEST_INIT and is
skipped, saying why, where that variable is unset. The run uses
--keep-going, so that a failure lists every failing step and the count of
those that passed (docs/CONFORMANCE.md lists the expected result).
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import ci_skip  # noqa: E402

TEST = "scenario.genode_init"
VARIABLE = "NESTBOX_GENODE_TEST_INIT"


def main():
    nestbox = sys.argv[1]
    path = os.environ.get(VARIABLE, "")
    if not path:
        ci_skip.unsupported(TEST, f"{VARIABLE} is unset: set it to the path of Genode's "
                                  "repos/os/recipes/raw/test-init/test-init.config (not in this repository)")
    if not os.path.isfile(path):
        print(f"{TEST}: FAILED: {VARIABLE}={path}: no such file", flush=True)
        return 1
    return subprocess.run([nestbox, "test", "--keep-going", path]).returncode


if __name__ == "__main__":
    sys.exit(main())
