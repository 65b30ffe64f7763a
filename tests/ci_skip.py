"""Skipping a test, the same way in every Python test: under CI, a missing
package fails the test; a missing machine feature still skips it.

A test that cannot run because a package or tool is missing (Xvfb, a VNC
viewer, chromium, noVNC from npm, a binary the build did not make) is skipped
(exit 77, CTest's SKIP_RETURN_CODE) with the reason and the package to
install, on a developer's machine. Under CI (CI=true in the environment, which
.ci/run sets) scripts/install-deps has installed everything, so there such a
test FAILS (exit 1) instead of passing by skipping.

A test that cannot run because the machine lacks something no package brings
(not root, no memory cgroup, a kernel feature) is skipped everywhere, under CI
with a loud "SKIPPED under CI: …" line.

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import ci_skip

    ci_skip.require_program("sdl", "Xvfb")        # the path, or skipped/failed
    ci_skip.missing("sdl", "fb_sdl not built", "libsdl2-dev")
    ci_skip.unsupported("sdl", "sealing needs root")
    raise ci_skip.Missing(...) / ci_skip.Unsupported(...); ci_skip.exit_status(test, e)
"""

import os
import shutil
import sys

SKIP = 77
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def package_of(program):
    """The package that brings a program, from scripts/programs (None if not listed)."""
    try:
        with open(os.path.join(ROOT, "scripts", "programs")) as f:
            for line in f:
                words = line.split("#", 1)[0].split()
                if len(words) >= 2 and words[0] == program:
                    return words[1]
    except OSError:
        pass
    return None


class Missing(Exception):
    """A package or tool is missing (or a binary was not built): fails under CI."""

    def __init__(self, reason, package=None):
        super().__init__(reason)
        self.reason, self.package = reason, package

    @classmethod
    def program(cls, name):
        return cls(f"{name} not installed", package_of(name))

    def __str__(self):
        if self.package:
            return f"{self.reason} (package {self.package}: scripts/install-deps)"
        return self.reason


class Unsupported(Exception):
    """The machine lacks a feature no package brings: a skip, also under CI."""


def exit_status(test, reason):
    """Prints why the test does not run and returns its exit status (77 or 1)."""
    if isinstance(reason, Missing) and in_ci():
        print(f"{test}: FAILED under CI: {reason}", flush=True)
        return 1
    if in_ci():
        print(f"{test}: SKIPPED under CI: {reason}", flush=True)
    else:
        print(f"{test}: skipped: {reason}", flush=True)
    return SKIP


def missing(test, reason, package=None):
    sys.exit(exit_status(test, Missing(reason, package)))


def unsupported(test, why):
    sys.exit(exit_status(test, Unsupported(why)))


def require_program(test, name):
    """The path of program 'name'; skips (fails under CI) the test without it."""
    path = shutil.which(name)
    if not path:
        sys.exit(exit_status(test, Missing.program(name)))
    return path
