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
import subprocess
import sys
import tempfile
import threading
import time

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TESTS)
import ci_skip  # noqa: E402
import procs    # noqa: E402

ROOT = os.path.dirname(TESTS)
FONTS = "/usr/share/fonts/truetype/dejavu"


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
        demo = open(os.path.join(ROOT, "scenarios", "demo.xml")).read()
        if 'listen="5900"' not in demo or demo.count("<restart ") < 6:
            print("demo_restart: FAILED: scenarios/demo.xml no longer grants port 5900 or lost restart policies")
            sys.exit(1)
        config = os.path.join(tmp, "demo.xml")
        open(config, "w").write(demo.replace('listen="5900"', f'listen="{port}"'))
        run = subprocess.Popen([nestbox, "run", "--rom-dir", FONTS, "--report-dir", os.path.join(tmp, "reports"),
                                "--timeout", "60", config],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True, cwd=ROOT)
        lines, lock = [], threading.Lock()

        def reader():
            for line in run.stdout:
                with lock:
                    lines.append(line.rstrip("\n"))

        def wait_for(what, timeout):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and run.poll() is None:
                with lock:
                    if any(what in l for l in lines):
                        return True
                time.sleep(0.05)
            return False

        threading.Thread(target=reader, daemon=True).start()
        failure = None
        try:
            if not wait_for("[init -> fb] captured 1", 30):
                failure = "the demo made no first capture"
            else:
                old = procs.argv0_pids("init -> wm", below=run.pid)
                if len(old) != 1:
                    failure = f"expected one wm process, found {old}"
                else:
                    os.kill(old[0], signal.SIGKILL)
                    if not wait_for('"wm" ', 10) or not wait_for("restarting it in 500", 10):
                        failure = "init did not say it restarts wm"
                    else:
                        deadline = time.monotonic() + 10
                        new = []
                        while time.monotonic() < deadline and not new:
                            new = [p for p in procs.argv0_pids("init -> wm", below=run.pid) if p != old[0]]
                            time.sleep(0.1)
                        if not new:
                            failure = "no new wm process"
                        elif not wait_for("[init -> fb] captured 2", 25):
                            failure = "the display captured nothing after the restart"
                        elif run.poll() is not None:
                            failure = f"the run ended ({run.returncode})"
        finally:
            try:
                os.killpg(run.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            run.wait(10)

        with lock:
            log = list(lines)
    if failure:
        print(f"demo_restart: FAILED: {failure}; log:\n" + "\n".join(log[-40:]))
        sys.exit(1)
    print("demo_restart: wm was restarted, and the display captured again:")
    print("\n".join(l for l in log if '"wm"' in l))


if __name__ == "__main__":
    main()
