#!/usr/bin/env python3
"""
block_tester through block_file against fio, on the same file, in one run.

Both use io_uring with O_DIRECT on a 1 GiB file (created once, filled, in
BENCH_DIR or /var/tmp): 4 KiB random reads at queue depth 1 and 32, 1 MiB
sequential reads and writes at queue depth 8. Each pattern runs fio and
nestbox alternately, three times, and the median of each counts. Prints
one JSON line per pattern:
  {"name": …, "value": nestbox's, "unit": …, "baseline": fio's, "ratio": …}

block_file and block_tester run with their defaults, so both poll for up
to 100 us before they sleep (busy_poll_us, include/nestbox/base/busy_poll.h).
The load average before and after each pattern goes to stderr: on a loaded
machine the figures move a lot, and polling backs off.

Usage: run_block_bench.py   (BUILD_DIR selects the build, default build)
Needs root (sealed components) and fio (package fio).
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD_DIR", os.path.join(ROOT, "build"))
NESTBOX = os.path.join(BUILD, "bin", "nestbox")
SIZE = 1 << 30
RUNS = 3

# name, fio rw, block size, queue depth, bytes moved, unit
PATTERNS = [
    ("block_randread_4k_qd1",  "randread", 4096,    1,  64 << 20,  "IOPS"),
    ("block_randread_4k_qd32", "randread", 4096,    32, 256 << 20, "IOPS"),
    ("block_seqread_1m",       "read",     1 << 20, 8,  1 << 30,   "MiB/s"),
    ("block_seqwrite_1m",      "write",    1 << 20, 8,  1 << 30,   "MiB/s"),
]


def fio(image, rw, bs, qd, length):
    out = subprocess.run(
        ["fio", "--name=bench", f"--filename={image}", "--ioengine=io_uring", "--direct=1",
         f"--rw={rw}", f"--bs={bs}", f"--iodepth={qd}", f"--size={SIZE}", f"--io_size={length}",
         "--randrepeat=0", "--norandommap", "--output-format=json"],
        check=True, capture_output=True, text=True).stdout
    job = json.loads(out)["jobs"][0]
    side = job["write" if "write" in rw else "read"]
    return side["iops"], side["bw_bytes"] / (1 << 20)


def nestbox(image, tmp, rw, bs, qd, length):
    test = (f'<random length="{length}" size="{bs}" batch="{qd}" seed="{os.getpid()}"/>' if rw == "randread"
            else f'<sequential length="{length}" size="{bs}" batch="{qd}" write="{"yes" if rw == "write" else "no"}"/>')
    config = os.path.join(tmp, "bench.xml")
    with open(config, "w") as f:
        f.write(f"""<config>
	<parent-provides><service name="LOG"/><service name="ROM"/><service name="PD"/>
		<service name="CPU"/><service name="Timer"/><service name="Report"/></parent-provides>
	<default-route><any-service><parent/></any-service></default-route>
	<default caps="100" ram="1M"/>
	<start name="disk" ram="8M"><binary name="block_file"/>
		<provides><service name="Block"/></provides>
		<host><file path="{image}" writeable="yes"/></host>
		<config block_size="4096"><default-policy writeable="yes"/></config>
	</start>
	<start name="tester" ram="24M"><binary name="block_tester"/>
		<config queue_depth="{max(qd, 1)}" buffer="{max(16 << 20, bs * qd * 2)}"><tests>{test}</tests></config>
		<route><service name="Block"><child name="disk"/></service><any-service><parent/></any-service></route>
	</start>
</config>""")
    out = subprocess.run([NESTBOX, "run", "--timeout", "300", "--until", "all tests finished", config],
                         capture_output=True, text=True).stdout
    m = re.search(r"test 1 finished: .* ([0-9.]+) MiB/s, ([0-9]+) requests/s", out)
    if not m:
        sys.stderr.write(out)
        raise SystemExit("block bench: block_tester did not finish")
    return float(m.group(2)), float(m.group(1))


def main():
    if not shutil.which("fio"):
        raise SystemExit("block bench: fio not installed (package fio)")
    if os.geteuid() != 0:
        raise SystemExit("block bench: needs root (sealed components)")
    base = os.environ.get("BENCH_DIR", "/var/tmp")
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        os.chmod(tmp, 0o755)
        image = os.path.join(tmp, "bench.img")
        with open(image, "wb") as f:
            chunk = os.urandom(1 << 20)
            for _ in range(SIZE >> 20):
                f.write(chunk)
        os.chmod(image, 0o666)
        os.sync()

        for name, rw, bs, qd, length, unit in PATTERNS:
            load_before = os.getloadavg()[0]
            ours, theirs = [], []
            for _ in range(RUNS):
                iops, mib = fio(image, rw, bs, qd, length)
                theirs.append(iops if unit == "IOPS" else mib)
                iops, mib = nestbox(image, tmp, rw, bs, qd, length)
                ours.append(iops if unit == "IOPS" else mib)
            v, b = statistics.median(ours), statistics.median(theirs)
            sys.stderr.write(f"block bench: {name}: load average {load_before:.1f} before, "
                             f"{os.getloadavg()[0]:.1f} after\n")
            print(json.dumps({"name": f"{name}_vs_fio", "value": round(v, 1), "unit": unit,
                              "baseline": round(b, 1), "ratio": round(v / b, 3)}), flush=True)


if __name__ == "__main__":
    main()
