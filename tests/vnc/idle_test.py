#!/usr/bin/env python3
"""The vnc server does nothing while nothing changes.

Starts vnc with a static desktop (gui and paint, no pointer, no animation),
connects a viewer (a minimal RFB client: Raw, then one incremental update
request that stays pending, as viewers do), and then watches the vnc
process for three seconds: none of its threads may be scheduled (context
switches from /proc/PID/task/*/status) and it may use no CPU time. A timer
or a polling loop anywhere in the server fails this. Then a change (an
injected click into paint) must still arrive, to show the server was
waiting, not stuck.

    idle_test.py NESTBOX [--unsealed]
"""

import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from small_system import System  # noqa: E402


def descendants(root):
    """PIDs below 'root', found through /proc/*/stat's parent field."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    found, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            found.append(c)
            todo.append(c)
    return found


def activity(pid):
    """(context switches of all threads, CPU ticks) of a process."""
    switches = ticks = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        for line in open(f"/proc/{pid}/task/{tid}/status"):
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                switches += int(line.split()[1])
        fields = open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return switches, ticks


def read_update(system, s):
    """One Raw update at 32 bpp; returns its number of rectangles."""
    _, _, count = struct.unpack(">BBH", system.recv(s, 4))
    for _ in range(count):
        x, y, w, h, enc = struct.unpack(">HHHHi", system.recv(s, 12))
        if enc != 0:
            system.fail(f"rectangle with encoding {enc}, asked for Raw only")
        system.recv(s, w * h * 4)
    return count


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__)
        sys.exit(2)
    with System("idle", args[0], "--unsealed" in sys.argv) as system:
        system.wait_for("[init -> paint] window 200x150 at 20,20", 15)
        time.sleep(0.5)   # paint's first frame

        s, width, height = system.connect([0])                            # Raw only
        s.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, width, height))    # everything
        read_update(system, s)
        s.sendall(struct.pack(">BBHHHH", 3, 1, 0, 0, width, height))    # pending, like a viewer

        vnc = [p for p in descendants(system.run.pid)
               if open(f"/proc/{p}/cmdline").read().strip("\0") == "init -> vnc"]
        if len(vnc) != 1:
            system.fail(f"cannot tell the vnc process: {vnc}")
        time.sleep(0.5)
        before = activity(vnc[0])
        time.sleep(3)
        after = activity(vnc[0])
        switches, ticks = after[0] - before[0], after[1] - before[1]
        print(f"idle: vnc over 3 s with a viewer waiting: {switches} context switches, {ticks} CPU ticks")
        if switches or ticks:
            system.fail("the server woke up while nothing changed")

        # a change still arrives: a stroke in paint, injected through vnc's config
        system.write_vnc_config('<config width="320" height="240"><inject version="1">'
                                '<motion x="40" y="40"/><press code="BTN_LEFT"/><motion x="120" y="100"/>'
                                '<release code="BTN_LEFT"/></inject></config>')
        s.settimeout(10)
        if read_update(system, s) < 1:
            system.fail("no update after the change")
        print("idle: the change after the idle time arrived")


if __name__ == "__main__":
    main()
