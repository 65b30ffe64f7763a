#!/usr/bin/env python3
"""The demo's restart policies work: a server killed in the running demo comes back.

Runs the demo headless (its vnc display on a free port, no viewer) until its
first capture, then kills wm (SIGKILL, as a crash) and checks that init
restarts it after its <restart> back-off, with a new process, that the run
goes on and that the display captures again afterwards (the demo's second
capture, 13 s in).

    demo_restart_test.py NESTBOX

Exits 77 (skipped) without root (sealing needs root).
"""

import os
import signal
import socket
import sys
import tempfile
import time

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TESTS)
import ci_skip  # noqa: E402
import procs    # noqa: E402
from nestbox_run import Failure, Run, demo_config  # noqa: E402

FONTS = "/usr/share/fonts/truetype/dejavu"


def check(run):
    run.wait_for("[init -> fb] captured 1", 30)
    old = procs.argv0_pids("init -> wm", below=run.proc.pid)
    if len(old) != 1:
        raise Failure(f"expected one wm process, found {old}")
    os.kill(old[0], signal.SIGKILL)
    run.wait_for('"wm" crashed: restarting it in 500 ms', 10)
    deadline = time.monotonic() + 10
    while not [p for p in procs.argv0_pids("init -> wm", below=run.proc.pid) if p != old[0]]:
        if time.monotonic() > deadline:
            raise Failure("no new wm process")
        time.sleep(0.1)
    run.wait_for("[init -> fb] captured 2", 25)
    if run.proc.poll() is not None:
        raise Failure(f"the run ended ({run.proc.returncode})")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    nestbox = sys.argv[1]
    if os.geteuid() != 0:
        ci_skip.unsupported("demo_restart", "sealing needs root")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    with tempfile.TemporaryDirectory(prefix="nestbox-restart-") as tmp:
        config = os.path.join(tmp, "demo.xml")
        run = None
        try:
            demo = demo_config(port)
            if demo.count("<restart ") < 6:
                raise Failure("scenarios/demo.xml lost restart policies of its servers")
            open(config, "w").write(demo)
            run = Run(nestbox, config, extra_args=["--rom-dir", FONTS, "--report-dir", os.path.join(tmp, "reports")])
            check(run)
        except Failure as e:
            print(f"demo_restart: FAILED: {e}")
            sys.exit(1)
        finally:
            if run:
                run.stop()
    print("demo_restart: wm was restarted, and the display captured again")


if __name__ == "__main__":
    main()
