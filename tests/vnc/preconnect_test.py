#!/usr/bin/env python3
"""A browser's pre-opened connection gets the page, not the RFB greeting.

RFB clients wait for the server to speak first, so vnc takes a connection
that stays silent for http_detect_ms (150 ms) for a viewer and greets it.
Browsers open connections ahead of need and send their request on one
later; greeted, such a connection fails the page. So a silent connection
from an address that made an HTTP request lately waits browser_detect_ms
(3 s) instead. Checked with real sockets against the vnc server:

  1. a silent connection from a fresh address is greeted (a viewer);
  2. after one HTTP request from 127.0.0.1, a connection that stays
     silent for a second and then sends a request gets the page;
  3. a viewer from that address still gets its greeting, later.

    preconnect_test.py NESTBOX [--unsealed]
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from small_system import System  # noqa: E402

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def first_bytes(s, n, seconds):
    """Up to 'n' bytes that arrive within 'seconds' (b'' if none)."""
    s.settimeout(seconds)
    try:
        return s.recv(n)
    except socket.timeout:
        return b""


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__)
        sys.exit(2)
    with System("preconnect", args[0], "--unsealed" in sys.argv) as system:
        # 1: no browser seen yet: silence means a viewer
        viewer = socket.create_connection(("127.0.0.1", system.port))
        if first_bytes(viewer, 12, 10) != b"RFB 003.008\n":
            system.fail("a silent connection was not greeted as a viewer")
        viewer.close()

        # the page, as a browser loads it
        page = socket.create_connection(("127.0.0.1", system.port))
        page.sendall(REQUEST)
        if not first_bytes(page, 12, 10).startswith(b"HTTP/1.1 200"):
            system.fail("the page request got no HTTP 200")
        page.close()

        # 2: a pre-opened connection, used a second later
        spare = socket.create_connection(("127.0.0.1", system.port))
        early = first_bytes(spare, 12, 1.0)
        if early:
            system.fail(f"a browser's spare connection was greeted as a viewer: {early!r}")
        spare.sendall(REQUEST)
        answer = first_bytes(spare, 12, 10)
        if not answer.startswith(b"HTTP/1.1 200"):
            system.fail(f"a browser's spare connection got {answer!r}, not the page")
        spare.close()

        # 3: a viewer beside the browser: greeted after browser_detect_ms
        start = time.monotonic()
        late = socket.create_connection(("127.0.0.1", system.port))
        if first_bytes(late, 12, 15) != b"RFB 003.008\n":
            system.fail("a viewer from the browser's address was never greeted")
        late.close()
        print(f"preconnect: the spare connection got the page; a viewer beside the browser "
              f"was greeted after {time.monotonic() - start:.1f} s")
    print("preconnect: passed")


if __name__ == "__main__":
    main()
