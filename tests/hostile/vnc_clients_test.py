#!/usr/bin/env python3
"""Hostile RFB clients against the vnc server: another viewer is still served.

Runs the small vnc system of tests/vnc (vnc, gui, paint) and, while a
viewer stays connected, sets loose on it in turn:

* hundreds of connections that never send the handshake (loopback only,
  a bounded count): the oldest are dropped, a new viewer gets in;
* connections that send garbage, before and after the greeting: closed;
* a client that floods Fence requests and one that floods WebSocket pings,
  neither reading the replies: each is disconnected at its memory cap, with
  the reason logged;
* a pointer-event flood from the viewer itself: motion is merged, the log
  stays quiet (the input queue's warning is rate-limited);
* with handshake_timeout="2" in the config, a silent connection is closed.

After each, the first viewer must still get an update; at the end, the
vnc process's descriptors are back at their count before the attacks and
its resident memory near where it was.

    vnc_clients_test.py NESTBOX [--unsealed]
"""

import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "vnc"))
from small_system import System  # noqa: E402

SILENT = 300                # connections that never speak: a bounded flood
RSS_SLACK = 16 << 20        # what glibc may keep of the memory flooders made it hold
FLOOD_LIMIT = 64 << 20      # a flooder gives up here: the cap must end it long before


def vnc_pid(system):
    """The vnc process of this system: below its nestbox run (other tests may run their own)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
                children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    todo = [system.run.pid]
    while todo:
        for pid in children.get(todo.pop(), []):
            try:
                if open(f"/proc/{pid}/cmdline").read().strip("\0") == "init -> vnc":
                    return pid
            except OSError:
                pass
            todo.append(pid)
    system.fail("cannot find the vnc process")


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def update(system, s, width, height):
    """Ask for the whole screen and read one Raw update; returns its rectangle count."""
    s.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, width, height))
    _, _, count = struct.unpack(">BBH", system.recv(s, 4))
    for _ in range(count):
        x, y, w, h, enc = struct.unpack(">HHHHi", system.recv(s, 12))
        if enc != 0:
            system.fail(f"rectangle with encoding {enc}, asked for Raw only")
        system.recv(s, w * h * 4)
    return count


def closed_by_server(s, seconds=10):
    """Whether the server closes 's' (reading and dropping what it sends) within 'seconds'."""
    s.settimeout(seconds)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if not s.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    return False


def flood(s, message):
    """Send 'message' over and over, reading nothing, until the server ends the connection."""
    burst = message * max(1, 65536 // len(message))
    sent = 0
    s.settimeout(10)
    try:
        while sent < FLOOD_LIMIT:
            s.sendall(burst)
            sent += len(burst)
    except (ConnectionResetError, BrokenPipeError, socket.timeout):
        pass
    return sent


def masked(opcode, payload):
    mask = b"\x01\x02\x03\x04"
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__)
        sys.exit(2)
    with System("hostile_vnc_clients", args[0], "--unsealed" in sys.argv) as system:
        system.wait_for("[init -> paint] window 200x150 at 20,20", 15)
        viewer, width, height = system.connect([0])
        update(system, viewer, width, height)
        pid = vnc_pid(system)
        fds_before, rss_before = fds(pid), rss(pid)

        # hundreds of silent connections, then a real viewer
        silent = [socket.create_connection(("127.0.0.1", system.port)) for _ in range(SILENT)]
        late, _, _ = system.connect([0])
        update(system, late, width, height)
        system.wait_for("still in its handshake", 5)
        print(f"hostile: a viewer got in after {SILENT} silent connections")
        for s in silent:
            s.close()
        late.close()

        # garbage before the greeting, and after it
        for i in range(10):
            s = socket.create_connection(("127.0.0.1", system.port))
            if i % 2:
                system.recv(s, 12)
                s.sendall(b"RFB 003.008\n\x01\x01" + os.urandom(4000))
            else:
                s.sendall(b"\x00" + os.urandom(100))
            if not closed_by_server(s):
                system.fail("a connection that sent garbage was not closed")
            s.close()
        update(system, viewer, width, height)
        print("hostile: garbage was refused, the viewer still served")

        # floods of replies that are never read
        fencer, _, _ = system.connect([-312])                            # announces fences
        fence = bytes([248, 0, 0, 0, 0x80, 0, 0, 0, 64]) + b"f" * 64
        sent = flood(fencer, fence)
        if sent >= FLOOD_LIMIT:
            system.fail("a client flooding fences was not disconnected")
        fencer.close()

        pinger = socket.create_connection(("127.0.0.1", system.port))
        pinger.sendall(b"GET /websockify HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        sent_pings = flood(pinger, masked(0x9, b"p" * 125))
        if sent_pings >= FLOOD_LIMIT:
            system.fail("a client flooding pings was not disconnected")
        pinger.close()
        system.wait_for("over its memory cap", 5)
        update(system, viewer, width, height)
        print(f"hostile: fence and ping flooders disconnected at their cap "
              f"(after {sent >> 20} and {sent_pings >> 20} MiB), the viewer still served")

        # a pointer flood from the viewer: merged, and no flood of log lines
        lines_before = len(system.lines)
        events = b"".join(struct.pack(">BBHH", 5, 0, i % width, i % height) for i in range(300000))
        viewer.sendall(events)
        update(system, viewer, width, height)
        noise = [l for l in system.lines[lines_before:] if "vnc" in l or "gui" in l]
        if len(noise) > 10:
            system.fail(f"a pointer flood wrote {len(noise)} log lines:\n" + "\n".join(noise[:20]))
        print(f"hostile: 300000 pointer events, {len(noise)} log lines, the viewer still served")

        # a silent connection meets the handshake timeout
        system.write_vnc_config('<config width="320" height="240" handshake_timeout="2"/>')
        time.sleep(0.5)
        s = socket.create_connection(("127.0.0.1", system.port))
        if not closed_by_server(s, 15):
            system.fail("a silent connection outlived handshake_timeout")
        s.close()

        # nothing leaks: descriptors back, memory near where it was
        deadline = time.monotonic() + 10
        while fds(pid) > fds_before and time.monotonic() < deadline:
            time.sleep(0.1)
        update(system, viewer, width, height)
        fds_after, rss_after = fds(pid), rss(pid)
        print(f"hostile: vnc's descriptors {fds_before} -> {fds_after}, "
              f"resident memory {rss_before >> 20} -> {rss_after >> 20} MiB")
        if fds_after > fds_before:
            system.fail("descriptors leaked")
        if rss_after > rss_before + RSS_SLACK:
            system.fail("memory did not come back")


if __name__ == "__main__":
    main()
