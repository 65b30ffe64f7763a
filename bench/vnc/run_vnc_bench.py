#!/usr/bin/env python3
"""
Our vnc server against TigerVNC's Xvnc, on the same frames (bench/vnc).

For each workload of workload.h (idle, scroll, window, animation) at
1920x1080 and 30 fps, two servers are measured one after the other by the
same client, vnc_meter (Tight, JPEG quality 8, compression level 2: the
defaults of TigerVNC's viewer):

  ours      'nestbox run' of the vnc server and vnc_workload, which draws
            the frames into vnc's Framebuffer session
  baseline  Xvnc -geometry 1920x1080 -depth 24 and x_workload, an X client
            that draws the same frames into a full-screen window (MIT-SHM)

Prints JSON lines (docs/PERFORMANCE.md), 'value' ours, 'baseline' Xvnc's:

  vnc.WORKLOAD.fps                frame updates with changed pixels per second
  vnc.WORKLOAD.bytes_per_frame    bytes received per such update
  vnc.WORKLOAD.cpu_ms_per_frame   CPU time of the server process per such update
  vnc.WORKLOAD.input_latency_ms   key press sent to marker shown, median

The meter also compares the client's screen with the frame it should show;
a server whose client is shown wrong pixels gets a note on stderr.

Needs Xvnc (tigervnc-standalone-server), the built vnc, vnc_workload,
vnc_meter and x_workload; without one of them the benchmark is skipped with
a note on stderr. Runs sealed as root, '--unsealed' otherwise. Usage:

    bench/vnc/run_vnc_bench.py [--seconds S] [--samples N] [--fps F]
                               [--workloads idle,scroll,window,animation] [--verbose]
"""

import argparse
import copy
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(os.environ.get("BUILD_DIR", os.path.join(ROOT, "build")), "bin")
WORKLOADS = ["idle", "scroll", "window", "animation"]
WIDTH, HEIGHT = 1920, 1080

CONFIG = """<config>
\t<parent-provides>
\t\t<service name="LOG"/> <service name="ROM"/> <service name="PD"/>
\t\t<service name="CPU"/> <service name="Timer"/> <service name="Report"/>
\t</parent-provides>
\t<default-route> <any-service> <parent/> </any-service> </default-route>
\t<default caps="100" ram="1M"/>
\t<start name="vnc" ram="192M">
\t\t<provides> <service name="Framebuffer"/> <service name="Input"/> </provides>
\t\t<host> <tcp listen="{port}" address="127.0.0.1"/> </host>
\t\t<config width="{width}" height="{height}"/>
\t</start>
\t<start name="workload" ram="64M">
\t\t<binary name="vnc_workload"/>
\t\t<config workload="{workload}" fps="{fps}"/>
\t\t<route>
\t\t\t<service name="Framebuffer"> <child name="vnc"/> </service>
\t\t\t<service name="Input">       <child name="vnc"/> </service>
\t\t\t<any-service> <parent/> </any-service>
\t\t</route>
\t</start>
</config>
"""


class Skip(Exception):
    pass


def note(*args):
    print("vnc_bench:", *args, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_display():
    for n in range(40, 100):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            return n
    raise Skip("no free X display number in :40…:99")


def wait_for_port(port, proc, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class Lines:
    """Reads a process's output in a thread; 'wait' blocks until a line has a given text."""

    def __init__(self, stream, verbose, prefix):
        self.lines, self.cond = [], threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(stream, verbose, prefix), daemon=True)
        self.thread.start()

    def _read(self, stream, verbose, prefix):
        for line in stream:
            if verbose:
                print(prefix + line.rstrip(), file=sys.stderr, flush=True)
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)
            self.cond.notify_all()

    def wait(self, text, timeout):
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                if any(line is not None and text in line for line in self.lines):
                    return True
                if (self.lines and self.lines[-1] is None) or time.monotonic() >= end:
                    return False
                self.cond.wait(max(0.0, end - time.monotonic()))

    def tail(self, n=15):
        with self.cond:
            return "".join(line for line in self.lines[-n:] if line)


def stop(proc, sig=signal.SIGTERM, grace=5.0):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def meter(port, pids, workload, args):
    cmd = [os.path.join(BIN, "vnc_meter"), "--port", str(port), "--workload", workload, "--seconds", str(args.seconds),
           "--warmup", str(args.warmup), "--samples", str(args.samples),
           "--pids", ",".join(str(p) for p in pids)]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         timeout=args.seconds + args.warmup + args.samples * 10 + 30)
    if out.stderr.strip():
        note(out.stderr.strip())
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"vnc_meter failed (exit {out.returncode})")
    return json.loads(lines[-1])


def run_xvnc(workload, args):
    display, port = free_display(), free_port()
    xvnc = subprocess.Popen(["Xvnc", f":{display}", "-geometry", f"{WIDTH}x{HEIGHT}", "-depth", "24",
                             "-SecurityTypes", "None", "-localhost", "-rfbport", str(port),
                             "-AlwaysShared", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    client = None
    try:
        if not wait_for_port(port, xvnc):
            raise RuntimeError("Xvnc did not start: " + (xvnc.stderr.read() if xvnc.poll() is not None else "timeout"))
        client = subprocess.Popen([os.path.join(BIN, "x_workload"), "--workload", workload, "--fps", str(args.fps)],
                                  env=dict(os.environ, DISPLAY=f":{display}"),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        lines = Lines(client.stderr, args.verbose, "[x_workload] ")
        if not lines.wait("x_workload: ready", 10):
            raise RuntimeError("x_workload did not start:\n" + lines.tail())
        return meter(port, [xvnc.pid], workload, args)
    finally:
        stop(client)
        stop(xvnc)


def component_pid(name, under):
    """The pid of component 'name' (its command line reads 'init -> NAME') below process 'under'."""
    def parent(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                return int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return 0

    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        if cmdline != f"init -> {name}":
            continue
        pid = int(entry)
        while pid > 1:
            pid = parent(pid)
            if pid == under:
                return int(entry)
    return None


def run_nestbox(workload, args, tmp):
    port = free_port()
    path = os.path.join(tmp, f"vnc_{workload}.xml")
    with open(path, "w") as f:
        f.write(CONFIG.format(port=port, width=WIDTH, height=HEIGHT, workload=workload, fps=args.fps))
    cmd = [os.path.join(BIN, "nestbox"), "run", "--timeout", "600"]
    if os.geteuid() != 0:
        cmd.append("--unsealed")
    cmd.append(path)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = Lines(proc.stdout, args.verbose, "")
        if not lines.wait("listening on", 20) or not lines.wait("[init -> workload] workload", 20):
            raise RuntimeError("vnc or vnc_workload did not start:\n" + lines.tail())
        pid = component_pid("vnc", proc.pid)
        if pid is None:
            raise RuntimeError("cannot find the vnc component's process")
        return meter(port, [pid], workload, args)
    finally:
        stop(proc, signal.SIGINT)


def line(name, ours, xvnc, unit, digits=2):
    ratio = round(ours / xvnc, 3) if xvnc else None
    print(json.dumps({"name": name, "value": round(ours, digits), "unit": unit,
                      "baseline": round(xvnc, digits), "ratio": ratio}), flush=True)


def at_rate(entry, args):
    """'animation@60': (workload, metric name, args with that frame rate)."""
    workload, _, fps = entry.partition("@")
    if not fps:
        return workload, workload, args
    run_args = copy.copy(args)
    run_args.fps = int(fps)
    return workload, f"{workload}_{fps}fps", run_args


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=5.0, help="measuring window per run (default 5)")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds before the window (default 1)")
    p.add_argument("--samples", type=int, default=20, help="key presses for the latency (default 20)")
    p.add_argument("--fps", type=int, default=30, help="the workloads' frame rate (default 30)")
    p.add_argument("--workloads", default=",".join(WORKLOADS + ["animation@60"]),
                   help="comma-separated; WORKLOAD@FPS runs one at another frame rate "
                        "(default: all at --fps, and animation at 60 fps, where a server's capacity shows)")
    p.add_argument("--only", choices=["ours", "xvnc"],
                   help="measure one server and print vnc_meter's figures as they are (no comparison)")
    p.add_argument("--verbose", action="store_true", help="the servers' and the meter's output on stderr")
    args = p.parse_args()

    tools = ["vnc_meter"]
    if args.only != "xvnc":
        tools += ["nestbox", "vnc", "vnc_workload"]
    if args.only != "ours":
        tools += ["x_workload"]
    try:
        if args.only != "ours" and not shutil.which("Xvnc"):
            raise Skip("Xvnc not found (tigervnc-standalone-server)")
        for tool in tools:
            if not os.access(os.path.join(BIN, tool), os.X_OK):
                raise Skip(f"{BIN}/{tool} not built")
    except Skip as e:
        note("skipped:", e)
        return 0

    if args.only:
        run = run_xvnc if args.only == "xvnc" else None
        with tempfile.TemporaryDirectory(prefix="vnc_bench_") as tmp:
            for entry in args.workloads.split(","):
                workload, name, run_args = at_rate(entry, args)
                try:
                    figures = run(workload, run_args) if run else run_nestbox(workload, run_args, tmp)
                except (RuntimeError, subprocess.TimeoutExpired, Skip) as e:
                    note(f"{name}: {e}")
                    continue
                print(json.dumps({"server": args.only, "workload": name, **figures}), flush=True)
        return 0

    with tempfile.TemporaryDirectory(prefix="vnc_bench_") as tmp:
        for i, entry in enumerate(args.workloads.split(",")):
            workload, name, run_args = at_rate(entry, args)
            # alternate who goes first, so that a drift hits both alike
            try:
                if i % 2 == 0:
                    xvnc, ours = run_xvnc(workload, run_args), run_nestbox(workload, run_args, tmp)
                else:
                    ours, xvnc = run_nestbox(workload, run_args, tmp), run_xvnc(workload, run_args)
            except (RuntimeError, subprocess.TimeoutExpired, Skip) as e:
                note(f"{name}: {e}")
                continue
            for server, figures in (("ours", ours), ("Xvnc", xvnc)):
                if figures.get("wrong_pixels_pct", 0) > 1.0:
                    note(f"{name}: {server}'s client showed wrong pixels "
                         f"({figures['wrong_pixels_pct']} % far from the frame its tag names)")
            if args.verbose:
                note(f"{name} ours: {json.dumps(ours)}")
                note(f"{name} xvnc: {json.dumps(xvnc)}")
            line(f"vnc.{name}.fps", ours["fps"], xvnc["fps"], "frames/s (higher is better)")
            line(f"vnc.{name}.bytes_per_frame", ours["bytes_per_frame"], xvnc["bytes_per_frame"], "B/frame", 0)
            line(f"vnc.{name}.cpu_ms_per_frame", ours["cpu_ms_per_frame"], xvnc["cpu_ms_per_frame"], "ms/frame", 3)
            if ours["input_latency_ms"] >= 0 and xvnc["input_latency_ms"] >= 0:
                line(f"vnc.{name}.input_latency_ms", ours["input_latency_ms"], xvnc["input_latency_ms"], "ms")
            else:
                note(f"{name}: no latency (ours {ours['input_latency_ms']}, Xvnc {xvnc['input_latency_ms']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
