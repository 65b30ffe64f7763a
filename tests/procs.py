"""Finding a run's processes in /proc, for tests that look at them from outside.

argv0_pids(name, below=pid): the processes whose argv[0] is 'name'
(a component's is its label, e.g. "init -> victim"), optionally only the
descendants of 'below' (tests run in parallel: another test's are not ours).
"""

import os


def parent_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def argv0_pids(name, below=None):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if f.read().split(b"\0")[0] != name.encode():
                    continue
        except OSError:
            continue
        pid = int(entry)
        if below is not None:
            ancestor = pid
            while ancestor > 1 and ancestor != below:
                ancestor = parent_of(ancestor)
            if ancestor != below:
                continue
        found.append(pid)
    return found
