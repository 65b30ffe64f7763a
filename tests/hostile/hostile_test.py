#!/usr/bin/env python3
"""
One hostile scenario, checked twice.

1. `nestbox test SCENARIO`: the steps pass (the victim keeps serving), and
   the runner finds no process of the run left and no dataspace held.
2. The scenario's first <init_config> under a plain `nestbox run`: once its
   expect_log lines have appeared, SIGINT must end the run (within a generous
   bound: a run that ignores SIGINT never ends), core must not hold more
   descriptors than at the step the scenario marks with
   <message string="fd baseline"/> (if any), and the run must
   leave no process (this script is a child subreaper) and no memory cgroup.

Usage: hostile_test.py NESTBOX SCENARIO
"""

import ctypes
import fnmatch
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

PR_SET_CHILD_SUBREAPER = 36

# generous bounds: they catch a run that never gets there, they time nothing
STEP_BOUND_S   = 60
SIGINT_BOUND_S = 30


def fail(msg, lines=()):
    print(f"FAIL: {msg}")
    for line in list(lines)[-30:]:
        print(f"  | {line}")
    sys.exit(1)


def config_of(scenario):
    init_config = scenario.find("init_config")
    children = list(init_config)
    if len(children) == 1 and children[0].tag == "config":
        return ET.tostring(children[0], encoding="unicode")
    config = ET.Element("config", init_config.attrib)
    config.extend(children)
    return ET.tostring(config, encoding="unicode")


def fd_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def orphans():
    """Processes whose parent is this script, other than the run itself"""
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == me:
            found.append(int(entry))
    return found


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def cgroups_of(core_pid):
    """Memory cgroup directories named after this run's core"""
    found = []
    for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified"):
        if not os.path.isdir(root):
            continue
        for dirpath, dirnames, _ in os.walk(root):
            if os.path.basename(dirpath) == f"nestbox-{core_pid}":
                found.append(dirpath)
            if dirpath.count("/") > 8:
                dirnames[:] = []
    return found


def run_under_sigint(nestbox, scenario, name):
    # (pattern, take the fd baseline once it matched)
    patterns = []
    for step in scenario:
        if step.tag == "expect_log":
            patterns.append([step.get("string"), False])
        elif step.tag == "message" and step.get("string") == "fd baseline" and patterns:
            patterns[-1][1] = True
    with tempfile.TemporaryDirectory(prefix=f"hostile-{name}-") as tmp:
        config = os.path.join(tmp, "config.xml")
        with open(config, "w") as f:
            f.write(config_of(scenario))

        run = subprocess.Popen([nestbox, "run", "--keep-running", "--no-check", config],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        lines, pending, first_fds = [], b"", None
        deadline = time.monotonic() + STEP_BOUND_S
        while patterns:
            if time.monotonic() > deadline or run.poll() is not None:
                run.kill()
                fail(f"plain run: never saw '{patterns[0][0]}'", lines)
            ready, _, _ = select.select([run.stdout], [], [], 0.5)
            if not ready:
                continue
            chunk = os.read(run.stdout.fileno(), 65536)
            if not chunk:
                continue
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for raw in complete:
                line = raw.decode(errors="replace")
                lines.append(line)
                if patterns and fnmatch.fnmatchcase(line, patterns[0][0].replace("[", "[[]")):
                    if patterns.pop(0)[1]:
                        first_fds = fd_count(run.pid)

        end_fds = fd_count(run.pid)
        if first_fds is not None and end_fds is not None and end_fds > first_fds:
            run.kill()
            fail(f"core holds {end_fds} descriptors at the end, {first_fds} at the fd baseline", lines)

        run.send_signal(signal.SIGINT)
        try:
            run.communicate(timeout=SIGINT_BOUND_S)
        except subprocess.TimeoutExpired:
            run.kill()
            run.wait()
            fail(f"SIGINT did not end the run within {SIGINT_BOUND_S} s", lines)

        time.sleep(0.5)
        reap()
        left = orphans()
        if left:
            for pid in left:
                os.kill(pid, signal.SIGKILL)
            reap()
            fail(f"processes of the run left after SIGINT: {left}", lines)
        left = cgroups_of(run.pid)
        if left:
            fail(f"memory cgroups of the run left after SIGINT: {left}", lines)
    print(f"ok: plain run of {name}: SIGINT ended it, nothing left, "
          f"core's descriptors {first_fds} -> {end_fds}")


def main():
    nestbox, path = sys.argv[1], sys.argv[2]
    name = os.path.splitext(os.path.basename(path))[0]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        fail("cannot become a child subreaper")

    test = subprocess.run([nestbox, "test", path], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if test.returncode != 0:
        fail(f"nestbox test {path}: exit status {test.returncode}", test.stdout.splitlines())
    print(f"ok: nestbox test {name}")

    run_under_sigint(nestbox, ET.parse(path).getroot(), name)


if __name__ == "__main__":
    main()
