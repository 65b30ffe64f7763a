#!/usr/bin/env python3
"""
H.264 against Tight JPEG on the same animation (bench/vnc).

Our vnc server (config h264="yes") with vnc_workload's animation at
1920x1080 and 30 fps, measured twice by the same raw RFB client, which
counts what it receives and decodes nothing:

  h264   the client lists H.264 (50), then Tight, JPEG quality 8,
         compression level 2: the animated region comes as H.264
  jpeg   the client lists Tight, JPEG quality 8, compression level 2 (the
         defaults of TigerVNC's viewer), as bench/vnc's other rows

Each run asks for update after update for --seconds after a warm-up.
Prints JSON lines (docs/PERFORMANCE.md), 'value' H.264's, 'baseline'
Tight JPEG's:

  vnc.h264.animation.bytes_per_s    bytes received per second
  vnc.h264.animation.updates_per_s  updates with rectangles per second
  vnc.h264.animation.cpu_ms_per_s   CPU time of the vnc process per second

Needs the built nestbox, vnc and vnc_workload; skipped with a note
otherwise. Usage: bench/vnc/h264_bench.py [--seconds S] [--warmup S]
"""

import argparse
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_vnc_bench as bench  # noqa: E402  (the system, the process helpers)

TIGHT, H264, CURSOR = 7, 50, -239
JPEG_Q8, COMPRESS_2 = -32 + 8, -256 + 2


bytes_read = [0]   # everything the client received, counted by 'recv'


def recv(s, n):
    data = bytearray()
    while len(data) < n:
        chunk = s.recv(min(n - len(data), 1 << 20))
        if not chunk:
            raise RuntimeError("the server closed the connection")
        data += chunk
    bytes_read[0] += n
    return bytes(data)


def compact_length(s):
    n, shift = 0, 0
    for _ in range(3):
        b = recv(s, 1)[0]
        n |= (b & (0x7f if shift < 14 else 0xff)) << shift
        if shift == 14 or not b & 0x80:
            break
        shift += 7
    return n


def skip_tight(s, w, h):
    """Read past one Tight rectangle at 32 bpp, depth 24 (3-byte TPIXELs)."""
    ctl = recv(s, 1)[0] >> 4
    if ctl == 8:
        recv(s, 3)
        return
    if ctl == 9:
        recv(s, compact_length(s))
        return
    size = w * h * 3
    if ctl & 4:
        recv(s, 1)                       # the palette filter
        colours = recv(s, 1)[0] + 1
        recv(s, colours * 3)
        size = (w + 7) // 8 * h if colours == 2 else w * h
    recv(s, size if size < 12 else compact_length(s))


def cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def measure(port, pid, encodings, args):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    recv(s, 12)
    s.sendall(b"RFB 003.008\n")
    recv(s, 2)
    s.sendall(b"\x01")
    recv(s, 4)
    s.sendall(b"\x01")
    width, height = struct.unpack(">HH", recv(s, 4))
    recv(s, 16)
    recv(s, struct.unpack(">I", recv(s, 4))[0])
    s.sendall(struct.pack(">BBH", 2, 0, len(encodings)) + b"".join(struct.pack(">i", e) for e in encodings))
    s.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, width, height))
    start = time.monotonic()
    window_start = start + args.warmup
    counted = False
    updates = 0
    read_start, cpu_start = 0, 0.0
    while True:
        now = time.monotonic()
        if not counted and now >= window_start:
            counted, updates, window_start = True, 0, now
            read_start, cpu_start = bytes_read[0], cpu_ms(pid)
        if counted and now >= window_start + args.seconds:
            break
        head = recv(s, 4)
        if head[0] != 0:
            raise RuntimeError(f"server message {head[0]}")
        count = struct.unpack(">H", head[2:])[0]
        for _ in range(count):
            x, y, w, h, enc = struct.unpack(">HHHHi", recv(s, 12))
            if enc == H264:
                length, _ = struct.unpack(">II", recv(s, 8))
                recv(s, length)
            elif enc == TIGHT:
                skip_tight(s, w, h)
            elif enc == CURSOR:
                recv(s, w * h * 4 + (w + 7) // 8 * h)
            else:
                raise RuntimeError(f"encoding {enc}")
        if count:
            updates += 1
        s.sendall(struct.pack(">BBHHHH", 3, 1, 0, 0, width, height))
    elapsed = time.monotonic() - window_start
    cpu = cpu_ms(pid) - cpu_start
    s.close()
    return {"bytes_per_s": (bytes_read[0] - read_start) / elapsed, "updates_per_s": updates / elapsed,
            "cpu_ms_per_s": cpu / elapsed}


def run(args, tmp, encodings):
    port = bench.free_port()
    path = os.path.join(tmp, "h264.xml")
    config = bench.CONFIG.replace('<config width="{width}" height="{height}"/>',
                                  '<config width="{width}" height="{height}" h264="yes"/>')
    with open(path, "w") as f:
        f.write(config.format(port=port, width=bench.WIDTH, height=bench.HEIGHT, workload="animation", fps=30))
    cmd = [os.path.join(bench.BIN, "nestbox"), "run", "--timeout", "600"]
    if os.geteuid() != 0:
        cmd.append("--unsealed")
    cmd.append(path)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = bench.Lines(proc.stdout, False, "")
        if not lines.wait("listening on", 20) or not lines.wait("[init -> workload] workload", 20):
            raise RuntimeError("vnc or vnc_workload did not start:\n" + lines.tail())
        pid = bench.component_pid("vnc", proc.pid)
        if pid is None:
            raise RuntimeError("cannot find the vnc component's process")
        return measure(port, pid, encodings, args)
    finally:
        bench.stop(proc)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=5.0, help="measuring window per run (default 5)")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds before the window (default 2)")
    args = p.parse_args()
    for tool in ("nestbox", "vnc", "vnc_workload"):
        if not os.access(os.path.join(bench.BIN, tool), os.X_OK):
            bench.note("skipped:", f"{bench.BIN}/{tool} not built")
            return 0
    with tempfile.TemporaryDirectory(prefix="vnc_h264_bench_") as tmp:
        try:
            jpeg = run(args, tmp, [TIGHT, JPEG_Q8, COMPRESS_2])
            h264 = run(args, tmp, [H264, TIGHT, JPEG_Q8, COMPRESS_2])
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            bench.note(f"h264: {e}")
            return 0
    for key, unit, digits in (("bytes_per_s", "B/s", 0), ("updates_per_s", "updates/s", 2),
                              ("cpu_ms_per_s", "ms/s", 1)):
        bench.line(f"vnc.h264.animation.{key}", h264[key], jpeg[key], unit, digits)
    return 0


if __name__ == "__main__":
    sys.exit(main())
