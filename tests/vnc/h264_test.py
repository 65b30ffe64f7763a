#!/usr/bin/env python3
"""H.264 (encoding 50) checked with real decoders: ffmpeg, and noVNC in Chromium.

A system of vnc (config h264="yes"), gui and the animation app, drawing
into a 256x192 window without end. noVNC, the page vnc serves, runs in
headless Chromium (h264_novnc.mjs), where it lists H.264 because
WebCodecs decodes it; the test waits until its VideoDecoder has output
frames. A raw RFB client lists H.264 and Raw; then the animation's config
is changed to stop after 30 frames (it starts over). The client asks for
update after update: the window's region, once it changed in three frames
in a row, comes as H.264; the client keeps each stream (a rectangle whose
flags reset the context starts a new one) and applies the Raw rectangles.
When the animation has stopped, the lossless refresh sends the region
exactly (Raw), which gives the true picture.

  * ffmpeg must decode every frame of the last stream, and its last frame
    must match the true picture of the region within a PSNR of 30 dB;
  * noVNC's decoder must have reported no error, and its canvas, after the
    refresh, must equal the true picture exactly.

The bytes of the H.264 frames are printed beside what Raw would be.
Without node, playwright-core or chromium, the noVNC part is skipped with
a note (under CI, CI=true, the test fails instead: tests/ci_skip.py).

    h264_test.py NESTBOX [--unsealed]
"""

import math
import os
import shutil
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from small_system import System, VNC_SYSTEM  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import ci_skip  # noqa: E402  (tests/ci_skip.py)

H264, RAW = 50, 0
MIN_PSNR = 30.0

CONFIG = VNC_SYSTEM + """	<start name="gui" ram="8M">
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
	<start name="animation" ram="4M">
		<config seed="7" fps="15" frames="0" shapes="12" x="32" y="32" width="256" height="192"/>
		<route>
			<service name="Gui"> <child name="gui"/> </service>
			<any-service> <parent/> </any-service>
		</route>
	</start>
</config>
"""


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__)
        sys.exit(2)
    if not shutil.which("ffmpeg"):
        ci_skip.missing("h264", "no ffmpeg", "ffmpeg")
    browser_missing = None
    if not shutil.which("node"):
        browser_missing = ("no node", "nodejs")
    elif not os.path.isdir(os.path.join(ROOT, "node_modules", "playwright-core")):
        browser_missing = ("playwright-core not installed (npm ci)", None)
    elif not os.path.exists(os.environ.get("CHROMIUM", "/usr/bin/chromium")):
        browser_missing = ("no chromium", "chromium")
    if browser_missing and os.environ.get("CI") == "true":
        ci_skip.missing("h264", *browser_missing)
    # a browser's request may come late on a busy machine: it must not get the RFB greeting
    # (the raw client below waits that long for its greeting instead)
    with System("h264", args[0], "--unsealed" in sys.argv, config=CONFIG,
                vnc_config='<config width="320" height="256" h264="yes" http_detect_ms="3000"/>') as system:
        system.wait_for("[init -> animation] window ", 15)
        browser, browser_out = None, []
        if browser_missing:
            print(f"h264: the noVNC part is skipped: {browser_missing[0]}")
        else:
            canvas = os.path.join(system.tmp, "canvas.png")
            browser = subprocess.Popen(["node", os.path.join(os.path.dirname(os.path.abspath(__file__)), "h264_novnc.mjs"),
                                        f"http://127.0.0.1:{system.port}/", canvas, "--timeout=40"],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       text=True, cwd=ROOT)
            threading.Thread(target=lambda: [browser_out.append(l.rstrip("\n")) for l in browser.stdout],
                             daemon=True).start()
            until = time.monotonic() + 45
            while not any("h264_novnc: decoding" in l for l in browser_out):
                if browser.poll() is not None or time.monotonic() > until:
                    time.sleep(0.2)
                    system.fail("noVNC decoded no H.264 frame:\n" + "\n".join(browser_out))
                time.sleep(0.1)
            print("h264: noVNC in Chromium decodes H.264 frames (WebCodecs)")

        s, width, height = system.connect([H264, RAW])
        # the animation starts over and stops after 30 frames
        path = os.path.join(system.tmp, "system.xml")
        with open(path) as f:
            text = f.read()
        with open(path + ".new", "w") as f:
            f.write(text.replace('frames="0"', 'frames="30"'))
        os.replace(path + ".new", path)
        fb = bytearray(width * height * 4)
        streams = []          # [(rect, [frame payloads])]
        raw_after_h264 = 0
        stopped_at = None
        s.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, width, height))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            _, _, count = struct.unpack(">BBH", system.recv(s, 4))
            for _ in range(count):
                x, y, w, h, enc = struct.unpack(">HHHHi", system.recv(s, 12))
                if enc == RAW:
                    data = system.recv(s, w * h * 4)
                    for row in range(h):
                        at = ((y + row) * width + x) * 4
                        fb[at:at + w * 4] = data[row * w * 4:(row + 1) * w * 4]
                    if streams and stopped_at is not None:
                        raw_after_h264 += w * h
                elif enc == H264:
                    length, flags = struct.unpack(">II", system.recv(s, 8))
                    data = system.recv(s, length)
                    if flags & 1 or not streams or streams[-1][0] != (x, y, w, h):
                        streams.append(((x, y, w, h), []))
                    streams[-1][1].append(data)
                else:
                    system.fail(f"encoding {enc}, not H.264 or Raw")
            if stopped_at is None and any("[init -> animation] stopped at frame" in l for l in system.lines):
                stopped_at = time.monotonic()
            # the refresh covers the whole video region: then the client has the true picture
            if streams and stopped_at is not None:
                rx, ry, rw, rh = streams[-1][0]
                if raw_after_h264 >= rw * rh:
                    break
            s.sendall(struct.pack(">BBHHHH", 3, 1, 0, 0, width, height))
        else:
            system.fail(f"no lossless refresh of the video region after the animation stopped "
                        f"({len(streams)} streams, {raw_after_h264} pixels refreshed)")
        if not streams:
            system.fail("no H.264 rectangle came")
        (rx, ry, rw, rh), frames = streams[-1]
        h264_bytes = sum(len(f) for f in frames)
        print(f"h264: {len(streams)} stream(s); the last: {rw}x{rh} at {rx},{ry}, {len(frames)} frames, "
              f"{h264_bytes} bytes (Raw: {len(frames) * rw * rh * 4})")

        stream = os.path.join(system.tmp, "video.h264")
        with open(stream, "wb") as f:
            f.write(b"".join(frames))
        r = subprocess.run(["ffmpeg", "-v", "error", "-f", "h264", "-i", stream, "-f", "rawvideo",
                            "-pix_fmt", "rgb24", "-"], capture_output=True, timeout=60)
        if r.returncode != 0 or r.stderr:
            system.fail(f"ffmpeg: exit {r.returncode}: {r.stderr.decode(errors='replace')[-2000:]}")
        size = rw * rh * 3
        if len(r.stdout) != len(frames) * size:
            system.fail(f"ffmpeg decoded {len(r.stdout) / size:.1f} frames of {len(frames)}")
        last = r.stdout[-size:]

        # the true picture of the region, from the lossless refresh (XRGB little endian: B G R X)
        err = 0
        for row in range(rh):
            at = ((ry + row) * width + rx) * 4
            line = fb[at:at + rw * 4]
            got = last[row * rw * 3:(row + 1) * rw * 3]
            for i in range(rw):
                for c, k in ((0, 2), (1, 1), (2, 0)):
                    d = got[i * 3 + c] - line[i * 4 + k]
                    err += d * d
        mse = err / (rw * rh * 3)
        psnr = float("inf") if mse == 0 else 10 * math.log10(255 * 255 / mse)
        print(f"h264: ffmpeg decoded all {len(frames)} frames; the last against the true picture: "
              f"PSNR {psnr:.1f} dB")
        if psnr < MIN_PSNR:
            system.fail(f"PSNR {psnr:.1f} dB, below {MIN_PSNR}")

        if browser:
            truth = bytearray(width * height * 3)
            truth[0::3], truth[1::3], truth[2::3] = fb[2::4], fb[1::4], fb[0::4]
            for attempt in range(20):
                saved = sum("h264_novnc: saved" in l for l in browser_out)
                browser.stdin.write("\n")
                browser.stdin.flush()
                until = time.monotonic() + 20
                while sum("h264_novnc: saved" in l for l in browser_out) == saved:
                    if browser.poll() is not None or time.monotonic() > until:
                        system.fail("h264_novnc did not save the canvas:\n" + "\n".join(browser_out))
                    time.sleep(0.05)
                r = subprocess.run(["ffmpeg", "-v", "error", "-i", canvas, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                                   capture_output=True, timeout=30)
                if r.stdout == bytes(truth):
                    break
                time.sleep(0.3)   # the refresh may still be on its way to the browser
            else:
                differ = sum(1 for i in range(0, len(truth), 3) if r.stdout[i:i + 3] != truth[i:i + 3]) \
                    if len(r.stdout) == len(truth) else -1
                system.fail(f"noVNC's canvas differs from the true picture ({differ} pixels)")
            browser.stdin.close()
            browser.wait(30)
            last = [l for l in browser_out if "h264_novnc: saved" in l][-1]
            if browser.returncode != 0:
                system.fail(f"noVNC's decoder reported errors: {last}")
            print(f"h264: noVNC: {last.split('saved, ')[1]}; its canvas equals the true picture")
        print("h264: passed")


if __name__ == "__main__":
    main()
