#!/usr/bin/env python3
"""The vnc server does nothing while nothing changes.

Starts vnc with a static desktop (gui and paint, no pointer, no animation),
connects a viewer (a minimal RFB client: Raw, then one incremental update
request that stays pending, as viewers do), and then watches the vnc
process for three seconds: none of its threads may be scheduled (context
switches from /proc/PID/task/*/status) and it may use no CPU time. A timer
or a polling loop anywhere in the server fails this. Then a change (an
injected click into paint) must still arrive, to show the server was
waiting, not stuck.

    idle_test.py NESTBOX [--unsealed]
"""

import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77

CONFIG = """<config>
	<parent-provides>
		<service name="LOG"/> <service name="ROM"/> <service name="PD"/>
		<service name="CPU"/> <service name="Timer"/> <service name="Report"/>
	</parent-provides>
	<default-route> <any-service> <parent/> </any-service> </default-route>
	<default caps="100" ram="1M"/>
	<start name="vnc" ram="32M">
		<provides> <service name="Framebuffer"/> <service name="Input"/> </provides>
		<host> <tcp listen="{port}" address="127.0.0.1"/> </host>
		<route>
			<service name="ROM" label="config"> <parent label="vnc.config"/> </service>
			<any-service> <parent/> </any-service>
		</route>
	</start>
	<start name="gui" ram="8M">
		<provides> <service name="Gui"/> </provides>
		<config pointer="no">
			<background color="#202020"/>
			<domain name="apps" layer="1" focus="click"/>
			<default-policy domain="apps"/>
		</config>
		<route>
			<service name="Framebuffer"> <child name="vnc"/> </service>
			<service name="Input">       <child name="vnc"/> </service>
			<any-service> <parent/> </any-service>
		</route>
	</start>
	<start name="paint" ram="2M">
		<config color="#ff0000" width="200" height="150" x="20" y="20"/>
		<route>
			<service name="Gui"> <child name="gui"/> </service>
			<any-service> <parent/> </any-service>
		</route>
	</start>
</config>
"""


def skip(why):
    print(f"idle: skipped: {why}")
    sys.exit(SKIP)


def fail(why):
    print(f"idle: FAILED: {why}")
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(root):
    """PIDs below 'root', found through /proc/*/stat's parent field."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    found, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            found.append(c)
            todo.append(c)
    return found


def activity(pid):
    """(context switches of all threads, CPU ticks) of a process."""
    switches = ticks = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        for line in open(f"/proc/{pid}/task/{tid}/status"):
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                switches += int(line.split()[1])
        fields = open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return switches, ticks


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            fail("the server closed the connection")
        data += chunk
    return data


def read_update(s):
    """One Raw update at 32 bpp; returns its number of rectangles."""
    _, _, count = struct.unpack(">BBH", recv_exact(s, 4))
    for _ in range(count):
        x, y, w, h, enc = struct.unpack(">HHHHi", recv_exact(s, 12))
        if enc != 0:
            fail(f"rectangle with encoding {enc}, asked for Raw only")
        recv_exact(s, w * h * 4)
    return count


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    unsealed = "--unsealed" in sys.argv
    if len(args) != 1:
        print(__doc__)
        sys.exit(2)
    nestbox = args[0]
    if not os.path.exists(os.path.join(os.path.dirname(nestbox), "vnc")):
        skip("vnc not built")
    if not unsealed and os.geteuid() != 0:
        skip("sealing needs root (run with --unsealed to test unsealed)")

    tmp = tempfile.mkdtemp(prefix="nestbox-idle-")
    port = free_port()
    open(os.path.join(tmp, "idle.xml"), "w").write(CONFIG.format(port=port))
    vnc_config = os.path.join(tmp, "vnc.config")
    open(vnc_config, "w").write('<config width="320" height="240"/>')

    cmd = [nestbox, "run", "--rom-dir", tmp, "--timeout", "40", os.path.join(tmp, "idle.xml")]
    if unsealed:
        cmd.insert(2, "--unsealed")
    run = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    lines = []
    threading.Thread(target=lambda: [lines.append(l.rstrip("\n")) for l in run.stdout], daemon=True).start()

    def wait_for(text, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(text in l for l in lines):
                return
            time.sleep(0.05)
        fail(f"no log line {text!r}; log:\n" + "\n".join(lines[-30:]))

    try:
        wait_for("[init -> vnc] listening on", 15)
        wait_for("[init -> paint] window 200x150 at 20,20", 15)
        time.sleep(0.5)   # paint's first frame

        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        if recv_exact(s, 12) != b"RFB 003.008\n":
            fail("no RFB 3.8 greeting")
        s.sendall(b"RFB 003.008\n")
        recv_exact(s, 2)
        s.sendall(b"\x01")
        recv_exact(s, 4)
        s.sendall(b"\x01")
        width, height = struct.unpack(">HH", recv_exact(s, 4))
        recv_exact(s, 16)
        recv_exact(s, struct.unpack(">I", recv_exact(s, 4))[0])
        s.sendall(struct.pack(">BBHi", 2, 0, 1, 0))                      # Raw only
        s.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, width, height))    # everything
        read_update(s)
        s.sendall(struct.pack(">BBHHHH", 3, 1, 0, 0, width, height))    # pending, like a viewer

        vnc = [p for p in descendants(run.pid) if open(f"/proc/{p}/cmdline").read().strip("\0") == "init -> vnc"]
        if len(vnc) != 1:
            fail(f"cannot tell the vnc process: {vnc}")
        time.sleep(0.5)
        before = activity(vnc[0])
        time.sleep(3)
        after = activity(vnc[0])
        switches, ticks = after[0] - before[0], after[1] - before[1]
        print(f"idle: vnc over 3 s with a viewer waiting: {switches} context switches, {ticks} CPU ticks")
        if switches or ticks:
            fail("the server woke up while nothing changed")

        # a change still arrives: a stroke in paint, injected through vnc's config
        open(vnc_config, "w").write('<config width="320" height="240"><inject version="1">'
                                    '<motion x="40" y="40"/><press code="BTN_LEFT"/><motion x="120" y="100"/>'
                                    '<release code="BTN_LEFT"/></inject></config>')
        s.settimeout(10)
        if read_update(s) < 1:
            fail("no update after the change")
        print("idle: the change after the idle time arrived")
    finally:
        try:
            os.killpg(run.pid, 15)
        except ProcessLookupError:
            pass
        run.wait(10)


if __name__ == "__main__":
    main()
