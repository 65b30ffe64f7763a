#!/usr/bin/env python3
"""
init goes quiet when its state report goes away while one is due.

init delays its state report by <report delay_ms>. A config that removes
<report> during that delay once left the report due forever: init re-armed
its timer for a deadline already past, again and again, and it and core's
timer service spun at full speed. Checked with a real run whose config file
(the config ROM, which core watches) is rewritten: after the removal,
init's CPU time over two seconds must stay far below what a spinning
process uses (a resource check, as vnc.idle's; no speed is asserted).

Usage: report_removed_test.py NESTBOX_BINARY
"""

import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from procs import argv0_pids  # noqa: E402  (tests/procs.py)

CONFIG = """<config>
	<parent-provides><service name="LOG"/><service name="ROM"/><service name="PD"/>
		<service name="CPU"/><service name="Timer"/><service name="Report"/></parent-provides>
	<default-route><any-service><parent/></any-service></default-route>
	<default caps="100" ram="1M"/>
	{report}
	<start name="{name}"><binary name="dummy"/>
		<config><log string="{name} up"/></config>
	</start>
</config>
"""
WINDOW_S = 2.0
CPU_LIMIT_S = 0.5   # a spinning init uses about WINDOW_S; an idle one next to nothing


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    nestbox = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "config.xml")

        def write(report, name):
            with open(config + ".new", "w") as f:
                f.write(CONFIG.format(report=report, name=name))
            os.replace(config + ".new", config)

        write('<report delay_ms="1500" child_ram="yes"/>', "first")
        run = subprocess.Popen([nestbox, "run", "--keep-running", "--timeout", "40",
                                "--report-dir", os.path.join(tmp, "reports"), config],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines = []
        threading.Thread(target=lambda: [lines.append(l.rstrip("\n")) for l in run.stdout],
                         daemon=True).start()

        def wait_for(text, seconds):
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                if text in lines:
                    return True
                time.sleep(0.05)
            return False

        failures = []
        try:
            if not wait_for("[init -> first] first up", 20):
                failures.append("the first child never logged")
            else:
                # the child's start made a report due in 1.5 s: drop <report> meanwhile
                write("", "first")
                time.sleep(2.0)   # past the report's deadline
                if run.poll() is not None:
                    failures.append("the run ended")
                else:
                    inits = argv0_pids("init", below=run.pid)
                    if len(inits) != 1:
                        failures.append(f"expected one init process, found {inits}")
                    else:
                        before = cpu_seconds(inits[0])
                        time.sleep(WINDOW_S)
                        used = cpu_seconds(inits[0]) - before
                        print(f"init used {used:.2f} s of CPU in {WINDOW_S:.0f} s after <report> went")
                        if used > CPU_LIMIT_S:
                            failures.append(f"init kept busy ({used:.2f} s of CPU in {WINDOW_S:.0f} s) "
                                            "after its report was removed while one was due")
        finally:
            run.terminate()
            run.wait()

    print("\n".join(lines))
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nreport removed while due: passed")


if __name__ == "__main__":
    main()
