#!/usr/bin/env python3
"""The demo (scenarios/demo.xml) in a browser: noVNC in headless Chromium.

Runs the demo with its vnc display on a free port, waits for the demo's
first capture, then loads http://127.0.0.1:PORT/ with playwright-core
(novnc_test.mjs): the canvas must show the capture (within JPEG's bounds:
noVNC always asks for JPEG; the animation's window is left out, it moves).
Then the browser clicks into the text app and types "novnc": text must log
each key, and the canvas must change in text's window.

    browser_test.py NESTBOX NOVNC_TEST_MJS [--unsealed] [--keep]

Exits 77 (skipped) when node, playwright-core, chromium or the vnc binary is
missing (under CI, CI=true, this fails instead: tests/ci_skip.py), or when
sealing is impossible (not root) without --unsealed.
"""

import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import nestbox_run  # noqa: E402
import ci_skip  # noqa: E402  (tests/ci_skip.py: a missing package fails under CI)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FONTS = "/usr/share/fonts/truetype/dejavu"

# the demo's windows (scenarios/demo.xml): text in the nested gui, animation moves
TEXT_WINDOW = (40, 400, 460, 348)     # x, y, w, h on the screen
ANIMATION = (524, 20, 480, 320)


def fail(why):
    print(f"browser: FAILED: {why}")
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_for_browser(port):
    """The demo's config, its display on 'port' and given a second to tell a browser from a viewer

    The display's default (http_detect_ms, 150 ms) is what a viewer waits
    for its greeting; a browser on a loaded machine (the suite at -j2) may
    send its first request later than that and would be greeted as a viewer.
    """
    try:
        return nestbox_run.demo_config(port, http_detect_ms=1000)
    except nestbox_run.Failure as e:
        fail(str(e))


def read_png(path):
    """(width, height, rows of RGB bytes) of an 8-bit RGB or RGBA PNG, non-interlaced."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path}: not a PNG")
    at, idat, width = 8, b"", 0
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                fail(f"{path}: unsupported PNG (depth {depth}, colour type {colour})")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        previous = line
        rows.append(bytes(line) if channels == 3 else bytes(v for j, v in enumerate(line) if j % 4 != 3))
    return width, height, rows


def inside(x, y, r):
    return r[0] <= x < r[0] + r[2] and r[1] <= y < r[1] + r[3]


def compare(a, b, skip_rect=None, only_rect=None):
    """(mean abs error per channel, share of pixels off by more than 64) over the compared pixels."""
    (w, h, ra), (w2, h2, rb) = a, b
    if (w, h) != (w2, h2):
        fail(f"sizes differ: {w}x{h} and {w2}x{h2}")
    total = count = far = 0
    for y in range(0, h, 2):
        for x in range(0, w, 2):
            if skip_rect and inside(x, y, skip_rect):
                continue
            if only_rect and not inside(x, y, only_rect):
                continue
            d = [abs(ra[y][3 * x + i] - rb[y][3 * x + i]) for i in range(3)]
            total += sum(d)
            count += 3
            far += max(d) > 64
    return total / max(count, 1), far / max(count // 3, 1)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    unsealed, keep = "--unsealed" in sys.argv, "--keep" in sys.argv
    if len(args) != 2:
        print(__doc__)
        sys.exit(2)
    nestbox, script = args
    vnc = os.path.join(os.path.dirname(nestbox), "vnc")

    ci_skip.require_program("browser", "node")
    if not os.path.isdir(os.path.join(ROOT, "node_modules", "playwright-core")):
        ci_skip.missing("browser", "playwright-core not installed (npm ci: scripts/install-deps)")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(chromium):
        ci_skip.missing("browser", f"{chromium} not installed", ci_skip.package_of("/usr/bin/chromium"))
    if not os.path.exists(vnc):
        ci_skip.missing("browser", f"{vnc} not built")
    if not unsealed and os.geteuid() != 0:
        ci_skip.unsupported("browser", "sealing needs root (run with --unsealed to test unsealed)")

    tmp = tempfile.mkdtemp(prefix="nestbox-browser-")
    port = free_port()
    config = os.path.join(tmp, "demo.xml")
    open(config, "w").write(demo_for_browser(port))
    reports = os.path.join(tmp, "reports")

    cmd = [nestbox, "run", "--rom-dir", FONTS, "--report-dir", reports, "--timeout", "60", config]
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

    def wait_for(pattern, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with lock:
                if any(re.search(pattern, l) for l in lines):
                    return
            if run.poll() is not None:
                break
            time.sleep(0.05)
        with lock:
            fail(f"no log line matching {pattern!r}; log:\n" + "\n".join(lines[-40:]))

    try:
        wait_for(r"^\[init -> fb\] listening on 127\.0\.0\.1:%d$" % port, 15)
        wait_for(r"^\[init -> fb\] captured 1$", 15)
        with lock:
            typed_before = sum(1 for l in lines if l.startswith("[init -> text] key:"))

        shot = os.path.join(tmp, "browser.png")
        after = os.path.join(tmp, "browser-after.png")
        x, y = TEXT_WINDOW[0] + 150, TEXT_WINDOW[1] + 100
        browser = subprocess.run(
            ["node", script, f"http://127.0.0.1:{port}/", shot, f"click:{x},{y}", "wait:300",
             "type:novnc", "wait:500", f"--after={after}", "--timeout=30"],
            capture_output=True, text=True, timeout=90, cwd=ROOT)
        if browser.returncode != 0:
            fail(f"novnc_test.mjs: {browser.stdout}{browser.stderr}")

        capture = read_png(os.path.join(reports, "init", "fb", "screenshot"))
        seen = read_png(shot)
        mean, far = compare(capture, seen, skip_rect=ANIMATION)
        print(f"browser: canvas vs capture: mean error {mean:.2f}, {far * 100:.2f}% of pixels off by > 64")
        if mean > 8 or far > 0.01:
            fail("the browser does not show the screen")

        wait_for(r"^\[init -> text\] key: c$", 10)
        with lock:
            keys = [l.split("key: ", 1)[1] for l in lines if l.startswith("[init -> text] key:")][typed_before:]
        if "".join(keys) != "novnc":
            fail(f"text got the keys {keys!r}, not n o v n c")

        changed, _ = compare(seen, read_png(after), only_rect=TEXT_WINDOW)
        if changed < 0.05:
            fail("the text window looks the same after typing")
        print("browser: the click and the keys typed in the browser reached text, and it drew them")
    finally:
        try:
            os.killpg(run.pid, 15)
        except ProcessLookupError:
            pass
        run.wait(10)
        if keep:
            print(f"browser: files kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
