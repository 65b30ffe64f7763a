#!/usr/bin/env python3
"""scripts/check-deps finds what scripts/install-deps' list and scripts/programs miss.

    check_deps_test.py CHECK_DEPS BUILD_DIR CASE

Cases:
  removed_package  with a copy of scripts/install-deps (its list) that lacks a package the
                   build uses (the owner of a library CMake found, and cmake,
                   whose programs scripts/programs lists), check-deps fails and
                   names the package and a file of it;
  scan_unlisted    in a tree whose test and benchmark scripts call programs
                   that scripts/programs does not list, check-deps --scan-only
                   fails naming each program and its caller, and not a listed one;
  scan_tree        this tree's tests, benchmarks and scripts call no program
                   that scripts/programs does not list.
"""

import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def fail(why):
    print(f"check_deps: FAILED: {why}")
    sys.exit(1)


def run(check_deps, *args):
    r = subprocess.run([sys.executable, check_deps, *args], capture_output=True, text=True)
    print(r.stdout + r.stderr, end="")
    return r.returncode, r.stdout


def owner(path):
    r = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
    return r.stdout.split(":")[0] if r.returncode == 0 else None


def removed_package(check_deps, build):
    # the package of a library that CMake found, read from the cache like check-deps does
    library = None
    for line in open(os.path.join(build, "CMakeCache.txt")):
        m = re.match(r"^(?!CMAKE_)\w+:FILEPATH=(/usr/lib/\S+\.(so|a))$", line.strip())
        if m and owner(m.group(1)):
            library = m.group(1)
            break
    if not library:
        fail("CMakeCache.txt names no library that a Debian package owns")
    listed = open(os.path.join(ROOT, "scripts", "install-deps")).read().splitlines()
    for package, file in ((owner(library), library), ("cmake", "/usr/bin/cmake")):
        with tempfile.NamedTemporaryFile("w", suffix=".packages") as copy:
            copy.write("\n".join(l for l in listed if l.split("#")[0].split()[:1] != [package]) + "\n")
            copy.flush()
            status, out = run(check_deps, "--build", build, "--packages", copy.name)
            if status != 1:
                fail(f"without {package} in the list, check-deps exited {status}, not 1")
            if not re.search(rf"^  {re.escape(package)}: .*{re.escape(file)}", out, re.M):
                fail(f"without {package} in the list, check-deps did not name it with {file}")
        print(f"check_deps: without {package}: named, with {file}")


def scan_unlisted(check_deps):
    with tempfile.TemporaryDirectory() as tree:
        os.makedirs(os.path.join(tree, "tests", "area"))
        os.makedirs(os.path.join(tree, "bench"))
        with open(os.path.join(tree, "tests", "area", "tool_test.py"), "w") as f:
            f.write("import shutil, subprocess\n"
                    "for tool in ('xwd', 'nestbox-no-such-viewer'):\n"
                    "    shutil.which(tool)\n"
                    "subprocess.run(['nestbox-no-such-tool', '--version'])\n")
        with open(os.path.join(tree, "bench", "run"), "w") as f:
            f.write("#!/usr/bin/env bash\nset -e\nnice -n 10 nestbox-no-such-meter --fast | grep x\n"
                    "SUDO=\n$SUDO nestbox-no-such-installer -y\n"     # a prefix in a variable
                    "meter=$1\n\"$meter\" check\n"                   # a variable as the command
                    "words=(\n  nestbox-no-such-word\n)\n")          # an array is data
        status, out = run(check_deps, "--scan-only", "--source", tree)
        if status != 1:
            fail(f"check-deps --scan-only exited {status}, not 1")
        for program, caller in (("nestbox-no-such-viewer", "tests/area/tool_test.py"),
                                ("nestbox-no-such-tool", "tests/area/tool_test.py"),
                                ("nestbox-no-such-meter", "bench/run"),
                                ("nestbox-no-such-installer", "bench/run")):
            if not re.search(rf"^  \?: {re.escape(caller)} calls {program}, ", out, re.M):
                fail(f"check-deps did not name {program}, called by {caller}")
        if re.search(r"calls (xwd|nice|grep),", out):
            fail("check-deps named a program that is listed or Essential")
        if re.search(r"calls (check|nestbox-no-such-word),", out):
            fail("check-deps named an argument or an array's word as a program")
    print("check_deps: the unlisted programs are named with their callers")


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    check_deps, build, case = sys.argv[1:]
    if case == "removed_package":
        removed_package(check_deps, build)
    elif case == "scan_unlisted":
        scan_unlisted(check_deps)
    elif case == "scan_tree":
        status, _ = run(check_deps, "--scan-only")
        if status != 0:
            fail("scripts/programs misses a program that a test, benchmark or script calls")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
