#!/usr/bin/env python3
"""The CI mode of skipping (tests/ci_skip.py, tests/ci_skip.h).

    ci_skip_test.py CI_SKIP_PROBE

Without CI, a test missing a package or tool skips (77, GoogleTest: skipped)
naming the package; with CI=true it fails (1) saying so. A test missing a
machine feature skips either way, with CI=true under a "SKIPPED under CI" line.
The Python side is run in a child interpreter, the C++ side in ci_skip_probe
(built from ci_skip_probe.cc).
"""

import os
import subprocess
import sys

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

failures = []


def run(cmd, ci):
    env = dict(os.environ)
    env.pop("CI", None)
    if ci:
        env["CI"] = "true"
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def expect(what, cmd, ci, status, text):
    got, out = run(cmd, ci)
    ok = (got == status if status is not None else got != 0) and text in out
    print(f"ci_skip: {'ok' if ok else 'FAILED'}: {what} ({'CI=true' if ci else 'no CI'}): exit {got}")
    if not ok:
        print(f"  expected exit {status} and {text!r} in:\n{out}")
        failures.append(what)


def python(code):
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {TESTS!r}); import ci_skip; {code}"]


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    probe = sys.argv[1]

    missing = python("ci_skip.missing('probe', 'tool missing', 'probe-package')")
    expect("python: a missing package skips", missing, False, 77, "probe: skipped: tool missing (package probe-package")
    expect("python: a missing package fails", missing, True, 1, "probe: FAILED under CI: tool missing (package probe-package")

    program = python("ci_skip.require_program('probe', 'nestbox-no-such-tool')")
    expect("python: a missing program skips", program, False, 77, "nestbox-no-such-tool not installed")
    expect("python: a missing program fails", program, True, 1, "FAILED under CI: nestbox-no-such-tool not installed")
    listed = python("ci_skip.sys.exit(0 if ci_skip.package_of('Xvfb') == 'xvfb' else 1)")
    expect("python: the package of a program comes from scripts/programs", listed, False, 0, "")

    unsupported = python("ci_skip.unsupported('probe', 'not root')")
    expect("python: a machine feature skips", unsupported, False, 77, "probe: skipped: not root")
    expect("python: a machine feature skips loudly", unsupported, True, 77, "probe: SKIPPED under CI: not root")

    gtest_missing = [probe, "--gtest_filter=Ci_skip_probe.missing_package"]
    expect("gtest: a missing package skips", gtest_missing, False, 0, "probe's tool missing (package probe-package")
    expect("gtest: a missing package fails", gtest_missing, True, None,
           "FAILED under CI: probe's tool missing (package probe-package")
    gtest_unsupported = [probe, "--gtest_filter=Ci_skip_probe.unsupported_machine"]
    expect("gtest: a machine feature skips", gtest_unsupported, False, 0, "[  SKIPPED ]")
    expect("gtest: a machine feature skips loudly", gtest_unsupported, True, 0,
           "SKIPPED under CI: probe's machine feature absent")

    if failures:
        print(f"ci_skip: FAILED: {len(failures)}: {'; '.join(failures)}")
        return 1
    print("ci_skip: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
