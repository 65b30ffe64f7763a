#!/usr/bin/env python3
"""
A sealed component cannot be debugged from the host: a host process of the
same uid (the component runs as 65534) gets EPERM from PTRACE_ATTACH, and
the files in its /proc directory belong to root, as those of every
non-dumpable process do.

Without core's execute-only ROM modules, execve makes the component
dumpable again (the sandbox's PR_SET_DUMPABLE 0 does not survive it), and
the attach succeeds.

Usage: host_ptrace_test.py NESTBOX_BINARY
"""

import ctypes
import os
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from procs import argv0_pids  # noqa: E402  (tests/procs.py)

PTRACE_ATTACH = 16
PTRACE_DETACH = 17


def uid_of(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    raise RuntimeError(f"no Uid line for pid {pid}")


def attach_as(uid, pid):
    """PTRACE_ATTACH from a child process running as 'uid'; returns errno (0: attached)."""
    child = os.fork()
    if child == 0:
        code = 100
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            libc = ctypes.CDLL(None, use_errno=True)
            libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
            if libc.ptrace(PTRACE_ATTACH, pid, None, None) == 0:
                os.waitpid(pid, os.WNOHANG)
                libc.ptrace(PTRACE_DETACH, pid, None, None)
                code = 0
            else:
                code = ctypes.get_errno()
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status)


def main():
    nestbox = sys.argv[1]
    if os.geteuid() != 0:
        print("SKIP: needs root (it runs the attacker as the component's uid)")
        sys.exit(0)

    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "victim.xml")
        with open(config, "w") as f:
            f.write("""<config>
	<parent-provides><service name="LOG"/><service name="ROM"/><service name="PD"/>
		<service name="CPU"/><service name="Timer"/></parent-provides>
	<default-route><any-service><parent/></any-service></default-route>
	<start name="victim"><binary name="dummy"/>
		<config><log string="ready"/><sleep_forever/></config>
	</start>
</config>
""")
        run = subprocess.Popen([nestbox, "run", "--keep-running", "--timeout", "30", config],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines = []
        ready = threading.Event()

        def read():
            for line in run.stdout:
                lines.append(line.rstrip("\n"))
                if line.strip() == "[init -> victim] ready":
                    ready.set()
        reader = threading.Thread(target=read, daemon=True)
        reader.start()

        failures = []
        try:
            if not ready.wait(20):
                failures.append("the victim never logged 'ready'")
            else:
                pids = argv0_pids("init -> victim", below=run.pid)
                if len(pids) != 1:
                    failures.append(f"expected one process 'init -> victim', found {pids}")
                for pid in pids:
                    uid = uid_of(pid)
                    owner = os.stat(f"/proc/{pid}/status").st_uid
                    if owner != 0:
                        failures.append(f"/proc/{pid}/status belongs to uid {owner}, not root: the component is dumpable")
                    err = attach_as(uid, pid)
                    if err == 0:
                        failures.append(f"a host process of uid {uid} attached to the component with ptrace")
                    elif err != 1:   # EPERM
                        failures.append(f"PTRACE_ATTACH failed with errno {err}, expected EPERM")
                    else:
                        print(f"PTRACE_ATTACH as uid {uid} to pid {pid}: EPERM, as it should")
        finally:
            run.terminate()
            run.wait()
            reader.join(2)

    print("\n".join(lines))
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nhost ptrace: passed")


if __name__ == "__main__":
    main()
