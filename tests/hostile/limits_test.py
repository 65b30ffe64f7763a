#!/usr/bin/env python3
"""
Limits reached by a config, with generated configs (bounded in time).

* nesting: 10,000 nested inits are refused with a clear error, by
  'nestbox run' (its check) and, with --no-check, by core's parse of the
  file; before, init's config handling was quadratic in the depth and was
  killed. (init's own refusal: tests/init/config_model_test.cc.)
* descriptors: a config with more start nodes than the descriptors allow
  (core run with a low RLIMIT_NOFILE) fails those starts with a clear
  error ("out of caps"), never with a malformed message, and does not
  stall: the run ends by itself or on SIGINT, leaving no process behind.
  init starts its children in config order, a few at a time: the starts
  that fail are the last ones, each with its reason, and the first ones
  run (each logs "up"). Before, init asked for every child's environment
  in one burst, and even the first start could fail.
* stale cgroups: a run killed with SIGKILL leaves its memory cgroups, the
  next run removes them (where memory cgroups are used at all).

Usage: limits_test.py NESTBOX
"""

import ctypes
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_test import orphans  # noqa: E402  (processes this script left behind)

PR_SET_CHILD_SUBREAPER = 36
BOUND_S = 60   # generous: catches a run that never gets there, times nothing

HEADER = """<config>
	<parent-provides>
		<service name="LOG"/> <service name="ROM"/> <service name="PD"/>
		<service name="CPU"/> <service name="Timer"/>
	</parent-provides>
	<default-route> <any-service> <parent/> </any-service> </default-route>
	<default caps="50" ram="1M"/>
"""


def fail(msg, out=""):
    print(f"FAIL: {msg}")
    for line in out.splitlines()[-30:]:
        print(f"  | {line}")
    sys.exit(1)


def reap_all():
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


def nested_inits(levels):
    start = '<start name="init"> <config>'
    return (HEADER + start * levels + "</config> </start>" * levels + "</config>\n")


def test_nesting(nestbox, tmp):
    path = os.path.join(tmp, "deep.xml")
    with open(path, "w") as f:
        f.write(nested_inits(10000))

    checked = subprocess.run([nestbox, "run", path], capture_output=True, text=True, timeout=BOUND_S)
    if checked.returncode != 2 or "nested deeper than 64 levels" not in checked.stderr:
        fail(f"nestbox run of 10,000 nested inits: exit {checked.returncode}, "
             "no 'nested deeper than 64 levels'", checked.stdout + checked.stderr)

    run = subprocess.run([nestbox, "run", "--no-check", "--timeout", "20", path],
                         capture_output=True, text=True, timeout=BOUND_S)
    # core parses the file before it starts init: the same error, with its position
    if "the config is nested deeper than 64 levels" not in run.stdout + run.stderr:
        fail("--no-check: 10,000 nested inits not refused with a clear error", run.stdout + run.stderr)
    print("ok: 10,000 nested inits refused by the check and by core with --no-check")


def test_descriptors(nestbox, tmp, starts=150, limit=128):
    path = os.path.join(tmp, "many.xml")
    with open(path, "w") as f:
        f.write(HEADER)
        for i in range(starts):
            f.write(f'\t<start name="c{i}"> <binary name="dummy"/> '
                    '<config> <log string="up"/> <sleep_forever/> </config> </start>\n')
        f.write("</config>\n")

    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    run = subprocess.Popen([nestbox, "run", "--no-check", path], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, preexec_fn=low_limit)
    try:
        out, _ = run.communicate(timeout=BOUND_S)
    except subprocess.TimeoutExpired:
        # still running (children may sleep forever): SIGINT must end it
        run.send_signal(signal.SIGINT)
        try:
            out, _ = run.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            run.kill()
            out, _ = run.communicate()
            fail("the run with too few descriptors stalled: SIGINT did not end it", out)

    if "out of caps" not in out:
        fail(f"{starts} start nodes with RLIMIT_NOFILE {limit}: no start failed with 'out of caps'", out)
    if "malformed message" in out:
        fail("a start failed with 'malformed message' instead of the reason", out)

    # in config order: every child that ran comes before every one that failed
    ran = sorted({int(m) for m in re.findall(r"\[init -> c(\d+)\] up$", out, re.M)})
    failed = sorted({int(m) for m in re.findall(r'"c(\d+)"(?: is incomplete|: environment session)', out)})
    if not ran or ran[0] != 0:
        fail("the first child did not run: the starts did not go in config order", out)
    if not failed:
        fail("no start failed with its child's name", out)
    if max(ran) > min(failed):
        fail(f"c{min(failed)} failed but the later c{max(ran)} ran: the starts did not go in config order", out)
    if sorted(ran + failed) != list(range(starts)):
        fail(f"of {starts} children, {len(ran)} ran and {len(failed)} failed: some did neither, or both", out)

    time.sleep(0.5)
    reap_all()
    left = orphans()
    if left:
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        reap_all()
        fail(f"processes left after the run: {left}", out)
    print(f"ok: {starts} start nodes, RLIMIT_NOFILE {limit}: c0 … c{max(ran)} ran, c{min(failed)} … "
          f"c{max(failed)} failed in config order ({out.count('out of caps')} lines say 'out of caps'), "
          "no stall, nothing left")


def cgroups_named(name):
    found = []
    for root in ("/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"):
        if not os.path.isdir(root):
            continue
        for dirpath, dirnames, _ in os.walk(root):
            if os.path.basename(dirpath) == name:
                found.append(dirpath)
            if dirpath.count("/") > 8:
                dirnames[:] = []
    return sorted(set(found))


def test_stale_cgroups(nestbox, tmp):
    """A run killed with SIGKILL leaves its memory cgroups; the next run removes them"""
    path = os.path.join(tmp, "sleeper.xml")
    with open(path, "w") as f:
        f.write(HEADER + '\t<start name="sleeper"> <binary name="dummy"/> '
                '<config> <log string="sleeping"/> <sleep_forever/> </config> </start>\n</config>\n')

    run = subprocess.Popen([nestbox, "run", path], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + BOUND_S
    for line in run.stdout:
        if "[init -> sleeper] sleeping" in line or time.monotonic() > deadline:
            break
    left = cgroups_named(f"nestbox-{run.pid}")
    run.kill()
    run.wait()
    time.sleep(0.5)
    reap_all()
    if not left:
        print("skip: no memory cgroups on this machine (core says why at start)")
        return
    if not any(os.path.isdir(d) for d in left):
        print("note: the killed run's cgroups vanished by themselves")
        return

    subprocess.run([nestbox, "run", "--timeout", "5", path], capture_output=True, timeout=BOUND_S)
    reap_all()
    still = [d for d in left if os.path.isdir(d)]
    if still:
        fail(f"the stale cgroups of a run killed with SIGKILL are still there after the next run: {still}")
    print("ok: the next run removed the memory cgroups of a run killed with SIGKILL")


def main():
    nestbox = sys.argv[1]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        fail("cannot become a child subreaper")
    with tempfile.TemporaryDirectory(prefix="limits-") as tmp:
        test_nesting(nestbox, tmp)
        test_descriptors(nestbox, tmp)
        test_stale_cgroups(nestbox, tmp)


if __name__ == "__main__":
    main()
