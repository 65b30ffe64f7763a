#!/usr/bin/env python3
"""An Input client that never reads, and a viewer flooding it with events.

vnc serves a Framebuffer and an Input session to fb_client, configured
never to read its input. A viewer sends 200,000 key events and 100,000
button changes (neither of which may be merged): vnc's queue for the
client holds 1024 events and drops the oldest. The server must stay
responsive (the viewer gets an update after the flood), its memory must
not grow with the flood, and the queue's warning must come at most once a
second with a count, not once per event (a pointer flood once wrote
343,000 such lines and stalled the server for 11 s).

    vnc_input_flood_test.py NESTBOX [--unsealed]
"""

import os
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "vnc"))
sys.path.insert(0, HERE)
import small_system  # noqa: E402
from vnc_clients_test import rss, update, vnc_pid  # noqa: E402

small_system.CONFIG = small_system.VNC_SYSTEM + """	<start name="sink" ram="2M">
		<binary name="fb_client"/>
		<config read_input="no"/>
		<route>
			<service name="Framebuffer"> <child name="vnc"/> </service>
			<service name="Input">       <child name="vnc"/> </service>
			<any-service> <parent/> </any-service>
		</route>
	</start>
</config>
"""

KEYS = 100000      # press and release each: 200,000 events
BUTTONS = 100000   # left button down and up, alternately


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__)
        sys.exit(2)
    with small_system.System("hostile_vnc_input_flood", args[0], "--unsealed" in sys.argv) as system:
        system.wait_for("[init -> sink] drew", 15)
        viewer, width, height = system.connect([0])
        update(system, viewer, width, height)
        pid = vnc_pid(system)
        rss_before = rss(pid)

        started = time.monotonic()
        keys = b"".join(struct.pack(">BBHI", 4, down, 0, 0x61) for _ in range(KEYS) for down in (1, 0))
        buttons = b"".join(struct.pack(">BBHH", 5, i % 2, 10, 10) for i in range(BUTTONS))
        viewer.sendall(keys + buttons)
        update(system, viewer, width, height)
        seconds = time.monotonic() - started

        warnings = [l for l in system.lines if "input queue full" in l]
        print(f"input flood: {2 * KEYS + BUTTONS} events in {seconds:.1f} s, "
              f"{len(warnings)} warning lines, vnc's resident memory {rss_before >> 20} -> {rss(pid) >> 20} MiB")
        if not warnings:
            system.fail("the queue never filled: the flood did not reach the client")
        if len(warnings) > seconds + 2:
            system.fail(f"{len(warnings)} warning lines in {seconds:.1f} s:\n" + "\n".join(warnings[:10]))
        if rss(pid) > rss_before + (16 << 20):
            system.fail("vnc's memory grew with the flood")


if __name__ == "__main__":
    main()
