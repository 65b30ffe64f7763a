#!/usr/bin/env python3
"""A viewer's resize request becomes a mode change the Framebuffer client sees.

A minimal RFB client announces ExtendedDesktopSize, gets the initial
ExtendedDesktopSize rectangle (reason 0: the server's), and sends
SetDesktopSize 400x300. The server must answer with ExtendedDesktopSize
(reason 1: this client, status 0, 400x300, one screen), the gui server on
top of vnc must log its new screen size (it fetched the new mode), and the
viewer must then get the whole new screen drawn by the gui. An invalid
layout (width 0) must be refused with status 3 and change nothing.

    viewer_resize_test.py NESTBOX [--unsealed]
"""

import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from small_system import System  # noqa: E402

EXTENDED_DESKTOP_SIZE = -308


def read_update(system, s):
    """[(x, y, w, h, encoding, payload)] of one update of Raw and ExtendedDesktopSize rectangles."""
    _, _, count = struct.unpack(">BBH", system.recv(s, 4))
    rects = []
    for _ in range(count):
        x, y, w, h, enc = struct.unpack(">HHHHi", system.recv(s, 12))
        if enc == 0:
            rects.append((x, y, w, h, enc, system.recv(s, w * h * 4)))
        elif enc == EXTENDED_DESKTOP_SIZE:
            screens = system.recv(s, 4)[0]
            rects.append((x, y, w, h, enc, system.recv(s, 16 * screens)))
        else:
            system.fail(f"unexpected encoding {enc}")
    return rects


def set_desktop_size(s, w, h):
    s.sendall(struct.pack(">BBHHBB", 251, 0, w, h, 1, 0) + struct.pack(">IHHHHI", 1, 0, 0, w, h, 0))


def request(s, incremental, w, h):
    s.sendall(struct.pack(">BBHHHH", 3, incremental, 0, 0, w, h))


def size_reply(system, s, w, h):
    """The next ExtendedDesktopSize rectangle: (reason, status, width, height)."""
    for _ in range(10):
        request(s, 1, w, h)
        for x, y, rw, rh, enc, _ in read_update(system, s):
            if enc == EXTENDED_DESKTOP_SIZE:
                return x, y, rw, rh
    system.fail("no ExtendedDesktopSize answer")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__)
        sys.exit(2)
    with System("viewer_resize", args[0], "--unsealed" in sys.argv, gui_verbose=True) as system:
        system.wait_for("[init -> gui] screen 320x240", 15)

        s, width, height = system.connect([0, EXTENDED_DESKTOP_SIZE])
        request(s, 0, width, height)
        first = read_update(system, s)
        initial = [r for r in first if r[4] == EXTENDED_DESKTOP_SIZE]
        if not initial or initial[0][:4] != (0, 0, 320, 240):
            system.fail(f"no initial ExtendedDesktopSize (reason 0, 320x240): {[r[:5] for r in first]}")

        set_desktop_size(s, 0, 300)
        reason, status, w, h = size_reply(system, s, 320, 240)
        if (reason, status) != (1, 3):
            system.fail(f"an invalid layout got reason {reason} status {status}, not 1 and 3")

        set_desktop_size(s, 400, 300)
        reason, status, w, h = size_reply(system, s, 320, 240)
        if (reason, status, w, h) != (1, 0, 400, 300):
            system.fail(f"the resize got reason {reason} status {status} {w}x{h}, not 1, 0, 400x300")
        system.wait_for("[init -> vnc] mode 400x300 requested by", 5)
        system.wait_for("[init -> gui] screen 400x300", 5)
        print("viewer_resize: the viewer's resize reached the gui server")

        # the new screen, whole, and once the gui redrew it, its background in the far corner
        for _ in range(20):
            request(s, 0, 400, 300)
            covered, corner = 0, None
            for x, y, w, h, enc, payload in read_update(system, s):
                if enc == 0:
                    covered += w * h
                    if x + w == 400 and y + h == 300:
                        corner = payload[-4:]
            if covered != 400 * 300:
                system.fail(f"the new screen came as {covered} pixels, not 400x300")
            if corner == bytes([0x20, 0x20, 0x20, 0]):
                break
            time.sleep(0.1)
        else:
            system.fail(f"the far corner stays {corner!r}, not the gui's #202020")
        print("viewer_resize: the viewer got the whole new screen")


if __name__ == "__main__":
    main()
