#!/usr/bin/env python3
"""The demo (scenarios/demo.xml) stays quiet: no log line per frame or per event.

Runs the demo headless (its vnc display on a free port, no viewer) until its
first capture (3 s in, after the scripted input at 2 s), then for SETTLE_S
more seconds, and checks the log:

  * after the first capture, at most QUIET_LINES lines (the animation draws
    30 frames a second meanwhile; a line per frame would be ~90);
  * in the whole run, no line more than MAX_REPEATS times (a line per
    motion event, per report or per frame repeats; the typed text logs
    each key once, "o" three times);
  * in all, at most MAX_LINES lines.

    demo_quiet_test.py NESTBOX [--unsealed]

Exits 77 (skipped) without root unless --unsealed (sealing needs root).
"""

import collections
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import ci_skip  # noqa: E402
import nestbox_run  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FONTS = "/usr/share/fonts/truetype/dejavu"

SETTLE_S    = 3     # seconds watched after the first capture
QUIET_LINES = 5     # lines allowed meanwhile
MAX_REPEATS = 3     # times one line may appear in the run
MAX_LINES   = 60    # lines in all (the demo logs ~35)


def fail(why, lines):
    print(f"demo_quiet: FAILED: {why}; log:\n" + "\n".join(lines[-60:]))
    sys.exit(1)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    unsealed = "--unsealed" in sys.argv
    if len(args) != 1:
        print(__doc__)
        sys.exit(2)
    nestbox = args[0]
    if not unsealed and os.geteuid() != 0:
        ci_skip.unsupported("demo_quiet", "sealing needs root (run with --unsealed to test unsealed)")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    with tempfile.TemporaryDirectory(prefix="nestbox-quiet-") as tmp:
        config = os.path.join(tmp, "demo.xml")
        try:
            open(config, "w").write(nestbox_run.demo_config(port))
        except nestbox_run.Failure as e:
            fail(str(e), [])

        cmd = [nestbox, "run", "--rom-dir", FONTS, "--report-dir", os.path.join(tmp, "reports"),
               "--timeout", "60", config]
        if unsealed:
            cmd.insert(2, "--unsealed")
        run = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True, cwd=ROOT)
        lines, lock = [], threading.Lock()

        def reader():
            for line in run.stdout:
                with lock:
                    lines.append(line.rstrip("\n"))

        threading.Thread(target=reader, daemon=True).start()
        try:
            deadline = time.monotonic() + 20
            captured = False
            while not captured:
                with lock:
                    captured = "[init -> fb] captured 1" in lines
                if not captured and (time.monotonic() > deadline or run.poll() is not None):
                    with lock:
                        fail("the demo made no first capture", lines)
                time.sleep(0.05)
            time.sleep(SETTLE_S)
        finally:
            try:
                os.killpg(run.pid, 15)
            except ProcessLookupError:
                pass
            run.wait(10)

        with lock:
            log = list(lines)

    # the run's own lines (on ending) are not the demo's
    log = [l for l in log if l.startswith("[init")]
    after = log[log.index("[init -> fb] captured 1") + 1:]
    after = [l for l in after if not re.match(r"^\[init\] child .* exited", l)]
    print(f"demo_quiet: {len(log)} lines, {len(after)} in the {SETTLE_S} s after the first capture")

    if len(after) > QUIET_LINES:
        fail(f"{len(after)} lines in the {SETTLE_S} s after the first capture (at most {QUIET_LINES})", log)
    repeated = [(l, n) for l, n in collections.Counter(log).items() if n > MAX_REPEATS]
    if repeated:
        fail("lines repeated more than %d times: %s" % (MAX_REPEATS, ", ".join(f"{l!r} x{n}" for l, n in repeated)), log)
    if len(log) > MAX_LINES:
        fail(f"{len(log)} lines (at most {MAX_LINES})", log)
    print("demo_quiet: quiet")


if __name__ == "__main__":
    main()
