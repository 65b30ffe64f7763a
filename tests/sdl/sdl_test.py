#!/usr/bin/env python3
"""fb_sdl shows the screen in an X window.

Starts Xvfb on a free display, runs fb_sdl (granted that display) with the
gui server and paint on it, takes a screenshot of the X root window with
xwd and checks pixels: the gui's background and paint's white canvas.

    sdl_test.py NESTBOX FB_SDL [--unsealed]

Exits 77 (CTest: skipped) when Xvfb, xwd or fb_sdl is missing (under CI,
CI=true, this fails instead: tests/ci_skip.py), or when the components cannot
be sealed (not root) and --unsealed was not given.
"""

import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import ci_skip  # noqa: E402  (tests/ci_skip.py: a missing package fails under CI)


CONFIG = """<config>
	<parent-provides>
		<service name="LOG"/> <service name="ROM"/> <service name="PD"/>
		<service name="CPU"/> <service name="Timer"/> <service name="Report"/>
	</parent-provides>
	<default-route> <any-service> <parent/> </any-service> </default-route>
	<default caps="100" ram="1M"/>

	<start name="fb" ram="8M">
		<binary name="fb_sdl"/>
		<provides> <service name="Framebuffer"/> <service name="Input"/> </provides>
		<host> <x11 display="{display}"/> </host>
		<config width="320" height="240"/>
	</start>

	<start name="gui" ram="8M">
		<provides> <service name="Gui"/> </provides>
		<config pointer="no">
			<background color="#202020"/>
			<domain name="apps" layer="1" focus="click" hover="always"/>
			<default-policy domain="apps"/>
		</config>
		<route>
			<service name="Framebuffer"> <child name="fb"/> </service>
			<service name="Input">       <child name="fb"/> </service>
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


def fail(why):
    print(f"sdl: FAILED: {why}")
    sys.exit(1)


def free_display():
    for n in range(99, 121):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            return n
    return None


def start_xvfb():
    n = free_display()
    if n is None:
        ci_skip.unsupported("sdl", "no free X display number in :99 … :120")
    xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if os.path.exists(f"/tmp/.X11-unix/X{n}"):
            return xvfb, f":{n}"
        if xvfb.poll() is not None:
            fail(f"Xvfb :{n} exited: {xvfb.stderr.read().decode(errors='replace')[-500:]}")
        time.sleep(0.05)
    xvfb.kill()
    fail(f"Xvfb :{n} did not come up")


def parse_xwd(data):
    """(width, height, pixel(x, y) -> (r, g, b)) of an XWD dump (ZPixmap, 24/32 bpp)."""
    fields = struct.unpack(">25I", data[:100])
    (header_size, version, pixmap_format, pixmap_depth, width, height, xoffset,
     byte_order, bitmap_unit, bitmap_bit_order, bitmap_pad, bits_per_pixel,
     bytes_per_line, visual_class, red_mask, green_mask, blue_mask, bits_per_rgb,
     colormap_entries, ncolors, window_width, window_height, window_x, window_y,
     window_bdrwidth) = fields
    if version != 7 or pixmap_format != 2:
        fail(f"unexpected XWD: version {version}, format {pixmap_format}")
    if bits_per_pixel not in (24, 32):
        fail(f"unexpected XWD: {bits_per_pixel} bits per pixel")
    offset = header_size + ncolors * 12
    bpp = bits_per_pixel // 8
    order = "big" if byte_order == 1 else "little"

    def shift(mask):
        return (mask & -mask).bit_length() - 1

    def pixel(x, y):
        at = offset + y * bytes_per_line + x * bpp
        v = int.from_bytes(data[at:at + bpp], order)
        return ((v & red_mask) >> shift(red_mask),
                (v & green_mask) >> shift(green_mask),
                (v & blue_mask) >> shift(blue_mask))

    return width, height, pixel


def find_window(width, height, pixel, bg):
    """Top left of the 320x240 fb window: the first background pixel whose
    right and lower neighbours at the window's far corner are background too."""
    for y in range(0, height - 239):
        for x in range(0, width - 319):
            if pixel(x, y) == bg and pixel(x + 319, y + 239) == bg and pixel(x + 9, y + 9) == bg:
                return x, y
    return None


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    unsealed = "--unsealed" in sys.argv
    if len(args) != 2:
        print(__doc__)
        sys.exit(2)
    nestbox, fb_sdl = args

    for tool in ("Xvfb", "xwd"):
        ci_skip.require_program("sdl", tool)
    if not os.path.exists(fb_sdl):
        ci_skip.missing("sdl", f"{fb_sdl} not built (no SDL2)", "libsdl2-dev")
    if not unsealed and os.geteuid() != 0:
        ci_skip.unsupported("sdl", "sealing needs root (run with --unsealed to test unsealed)")

    xvfb, display = start_xvfb()
    tmp = tempfile.mkdtemp(prefix="nestbox-sdl-")
    run = None
    try:
        config = os.path.join(tmp, "sdl.xml")
        with open(config, "w") as f:
            f.write(CONFIG.format(display=display))

        cmd = [nestbox, "run", "--rom-dir", os.path.dirname(os.path.abspath(fb_sdl)),
               "--timeout", "30", config]
        if unsealed:
            cmd.insert(2, "--unsealed")
        run = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)

        lines = []
        seen = threading.Event()
        window_line = "[init -> paint] window 200x150 at 20,20"

        def reader():
            for line in run.stdout:
                lines.append(line.rstrip("\n"))
                if window_line in line:
                    seen.set()

        threading.Thread(target=reader, daemon=True).start()
        if not seen.wait(15):
            fail("no paint window; log:\n" + "\n".join(lines[-40:]))
        time.sleep(1)

        if not any("[init -> fb] window 320x240" in l for l in lines):
            fail("fb_sdl opened no window; log:\n" + "\n".join(lines[-40:]))

        dump = subprocess.run(["xwd", "-root", "-silent", "-display", display],
                              capture_output=True, timeout=10)
        if dump.returncode != 0:
            fail(f"xwd: {dump.stderr.decode(errors='replace')}")
        width, height, pixel = parse_xwd(dump.stdout)

        bg = (0x20, 0x20, 0x20)
        at = find_window(width, height, pixel, bg)
        if at is None:
            fail("the gui's background #202020 is nowhere on the X screen")
        wx, wy = at

        checks = [("background", 10, 10, bg),
                  ("paint canvas", 30, 30, (0xff, 0xff, 0xff)),
                  ("paint canvas", 200, 150, (0xff, 0xff, 0xff)),
                  ("background", 300, 200, bg)]
        for what, x, y, want in checks:
            got = pixel(wx + x, wy + y)
            if got != want:
                fail(f"{what} at {x},{y} (window at {wx},{wy}): #{bytes(got).hex()}, "
                     f"not #{bytes(want).hex()}")

        if run.poll() is not None:
            fail("nestbox exited early; log:\n" + "\n".join(lines[-40:]))
    finally:
        if run is not None and run.poll() is None:
            os.killpg(run.pid, signal.SIGTERM)
            try:
                run.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(run.pid, signal.SIGKILL)
                run.wait()
        xvfb.terminate()
        xvfb.wait()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"sdl: window at {wx},{wy} shows the gui's background and paint's canvas")
    print("sdl: passed")


if __name__ == "__main__":
    main()
