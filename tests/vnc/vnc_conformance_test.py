#!/usr/bin/env python3
"""Conformance of the vnc component with independent, real VNC clients.

Starts a nestbox system whose display driver is `vnc` (a static desktop:
gui without pointer, two paints with strokes, text with typed text, all
injected through vnc's config), takes a screenshot through vnc's
<capture> and checks that each client sees exactly those pixels:

  encodings  vnc_check (libvncclient): raw, hextile, zrle, tight (zlib),
             tight+jpeg at quality 2 and 9 (bounded error), copyrect+zrle;
             the rect headers show the server really used the encoding;
             a cursor shape; three clients at once
  formats    vnc_check with 16 bpp (565) and 8 bpp (bgr233) pixel formats
             and raw, hextile, zrle, tight
  protocol   a raw RFB client in this file: versions 3.3, 3.7 and 3.8
             (handshake, security None, ServerInit, a raw update)
  auth       a system with password="secret": VNC authentication with the
             right password, a wrong one (refused with a reason) and none
  tls        a system that requires VeNCrypt (X509Vnc, TLSVnc; certificate
             made by openssl now), password="secret" and view_password="look":
             a viewer offering only plain types is refused; libvncclient with
             the view password clicks and types and nothing changes (pixels,
             no key reaches the text app); TigerVNC's viewer (X509Vnc) and
             gvnccapture see the capture exactly; with the full password,
             typing changes the text window
  gvnc       gvnccapture (gtk-vnc) saves a PNG that must equal the capture
  tigervnc   TigerVNC's viewer in Xvfb; xwd of the X screen must contain the
             capture exactly
  resize     a mode change (vnc's config) while vnc_check is connected: the
             client gets DesktopSize and then exactly the new screen
  moves      a window (gui_client) moves while vnc_check (copyrect zrle) is
             connected: some of it must come as CopyRect, and the client's
             picture must equal a capture afterwards
  lossless   vnc_check with Tight JPEG (quality 2): the first frame is lossy,
             then the picture becomes exactly the capture (lossless refresh of
             still regions); and while it is connected, typed text changes the
             text window (JPEG again), and once the typing stops the picture
             ends exactly a new capture
  input      vnc_check clicks into text and types "vnc typed" (keysyms) and
             "qemu" (QEMU extended key events); the text app must log each
             key, the client must see the text window change, and the
             client's framebuffer must equal a new capture afterwards

    vnc_conformance_test.py NESTBOX VNC_CHECK [GROUP...] [--unsealed] [--keep] [--verbose]
    vnc_conformance_test.py --xvnc VNC_CHECK [GROUP...]

With no GROUP, all run. --xvnc runs the client-side groups (encodings,
formats, protocol, gvnc, tigervnc) against TigerVNC's Xvnc instead of our
component: a check of the checks. --keep keeps the temporary directory
(screenshots, what each client saw, the nestbox log).

Exits 77 (CTest: skipped) when a needed tool is missing (the vnc binary,
vnc_check, gvnccapture, Xvfb, xwd, the TigerVNC viewer; under CI, CI=true,
this fails instead: tests/ci_skip.py) or when the components cannot be sealed
(not root) and --unsealed was not given.
"""

import os
import pty
import random
import select
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import ci_skip  # noqa: E402  (tests/ci_skip.py: a missing package fails under CI)

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
WIDTH, HEIGHT = 1024, 768
NAME = "nestbox"

# where the apps are (gui places the windows at the configured positions)
TEXT_WINDOW = (524, 20, 460, 348)
PAINT_WINDOW = (20, 20, 480, 320)
SKETCH_WINDOW = (20, 400, 480, 320)
TYPED_BEFORE = "Nestbox VNC 0123456789"

SYSTEM = """<config>
	<parent-provides>
		<service name="LOG"/> <service name="ROM"/> <service name="PD"/>
		<service name="CPU"/> <service name="Timer"/> <service name="Report"/>
	</parent-provides>
	<default-route> <any-service> <parent/> </any-service> </default-route>
	<default caps="100" ram="1M"/>

	<start name="vnc" ram="64M">
		<provides> <service name="Framebuffer"/> <service name="Input"/> </provides>
		<host> <tcp listen="{port}" address="127.0.0.1"/> </host>
		<route>
			<service name="ROM" label="config"> <parent label="vnc.config"/> </service>
			<any-service> <parent/> </any-service>
		</route>
	</start>

	<start name="gui" ram="16M">
		<provides> <service name="Gui"/> </provides>
		<config pointer="no">
			<domain name="default" layer="1" focus="click"/>
			<default-policy domain="default"/>
			<background color="#303030"/>
		</config>
		<route>
			<service name="Framebuffer"> <child name="vnc"/> </service>
			<service name="Input">       <child name="vnc"/> </service>
			<any-service> <parent/> </any-service>
		</route>
	</start>

	<start name="paint" ram="4M">
		<config color="#c00000" width="480" height="320" x="20" y="20"/>
		<route>
			<service name="Gui"> <child name="gui"/> </service>
			<any-service> <parent/> </any-service>
		</route>
	</start>

	<start name="sketch" ram="4M">
		<binary name="paint"/>
		<config color="#0000c0" background="#ffffe0" width="480" height="320" x="20" y="400"/>
		<route>
			<service name="Gui"> <child name="gui"/> </service>
			<any-service> <parent/> </any-service>
		</route>
	</start>

	<start name="text" ram="8M">
		<config size="24" width="460" height="348" x="524" y="20"/>
		<route>
			<service name="ROM" label="font"> <parent label="DejaVuSans.ttf"/> </service>
			<service name="Gui"> <child name="gui"/> </service>
			<any-service> <parent/> </any-service>
		</route>
	</start>

	<!-- a window that the "moves" group drags (by rewriting this config) -->
	<start name="mover" ram="4M">
		<binary name="gui_client"/>
		<config version="{mover_version}">
			<view name="main" x="{mover_x}" y="{mover_y}" width="300" height="200" color="#306090" title="mover"/>
			<view name="a" parent="main" x="10" y="30" width="80" height="60" color="#f0c020"/>
			<view name="b" parent="main" x="120" y="40" width="50" height="120" color="#20c060"/>
			<view name="c" parent="main" x="200" y="140" width="90" height="30" color="#e04040"/>
		</config>
		<route>
			<service name="Gui"> <child name="gui"/> </service>
			<any-service> <parent/> </any-service>
		</route>
	</start>
</config>
"""

MOVER_AT = (540, 400)      # where the mover's window starts
MOVER_TO = (600, 450)      # where the "moves" group drags it

# Injected once (version 1) so that the desktop has antialiased text and
# strokes in several colors: a click into text, typed text, a stroke in
# each paint. Kept in every later config (same version: not injected again).
INJECT = f"""<inject version="1">
	<motion x="700" y="200"/> <key code="BTN_LEFT"/>
	<text string="{TYPED_BEFORE}"/>
	<motion x="60" y="60"/> <press code="BTN_LEFT"/>
	<motion x="200" y="250"/> <motion x="440" y="80"/> <motion x="470" y="300"/>
	<release code="BTN_LEFT"/>
	<motion x="40" y="700"/> <press code="BTN_LEFT"/>
	<motion x="250" y="420"/> <motion x="480" y="690"/>
	<release code="BTN_LEFT"/>
</inject>"""


# the "tls" group's server: VeNCrypt only, a full and a view-only password,
# the certificate and key (made by the test) as ROMs
TLS_SECURITY = ' view_password="look" security="X509Vnc,TLSVnc"'
TLS_NODE = '<tls certificate_rom="vnc.crt" key_rom="vnc.key"/>'


def vnc_config(password=None, inject=True, capture=None, size=(WIDTH, HEIGHT), tls=None):
    pw = f' password="{password}"' if password else ""
    pw += tls or ""
    cap = f'<capture version="{capture}"/>' if capture else ""
    return (f'<config width="{size[0]}" height="{size[1]}" name="{NAME}"{pw} verbose="no">\n'
            f"{TLS_NODE if tls else ''}{INJECT if inject else ''}\n{cap}\n</config>\n")


class Failure(Exception):
    pass


def say(msg):
    print(f"vnc: {msg}", flush=True)


def free_port():
    """A free port 5910…5999: gvnccapture takes a display number (port 5900+N)."""
    ports = list(range(5910, 6000))
    random.shuffle(ports)
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise ci_skip.Unsupported("no free TCP port in 5910…5999")


def free_display(first=99):
    for n in range(first, first + 60):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            return n
    raise ci_skip.Unsupported("no free X display number")


def kill_group(proc):
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


# ----------------------------------------------------------------- servers

class Nestbox:
    """The test system with our vnc component."""

    def __init__(self, nestbox, tmp, unsealed, password=None, tls=False):
        self.nestbox, self.tmp, self.unsealed, self.password, self.tls = nestbox, tmp, unsealed, password, tls
        self.lines = []
        self.cond = threading.Condition()
        self.proc = None
        self.captures = 0
        self.host = "127.0.0.1"
        self.reports = os.path.join(tmp, "reports")
        self.size = (WIDTH, HEIGHT)

    def start(self):
        for attempt in range(3):
            self.port = free_port()
            with open(os.path.join(self.tmp, "system.xml"), "w") as f:
                f.write(self.system(MOVER_AT, 1))
            self._write_config(inject=False)
            cmd = [self.nestbox, "run", "--rom-dir", FONT_DIR, "--rom-dir", self.tmp,
                   "--report-dir", self.reports, "--timeout", "115",
                   os.path.join(self.tmp, "system.xml")]
            if self.unsealed:
                cmd.insert(2, "--unsealed")
            self.lines = []
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         text=True, start_new_session=True)
            threading.Thread(target=self._reader, args=(self.proc,), daemon=True).start()
            line = self.wait_for(r"\[init -> vnc\] listening on |cannot listen on", 20)
            if "cannot listen" in line:
                kill_group(self.proc)
                continue
            m = re.search(r"listening on ([0-9.]+):(\d+)", line)
            if not m or int(m.group(2)) != self.port:
                raise Failure(f"vnc logged '{line}', expected 'listening on 127.0.0.1:{self.port}'")
            break
        else:
            raise Failure("could not find a free port (3 tries)")
        # inject once the windows are placed (a click before would miss text)
        for app in ("paint", "sketch", "text"):
            self.wait_for(rf"\[init -> {app}\] window ", 20)
        self._write_config()
        # the injected input shows: text typed, strokes drawn
        self.wait_for(r"\[init -> text\] key: 9", 20)
        self.wait_for_count(r"\[init -> (paint|sketch)\] stroke end", 2, 20)
        time.sleep(0.3)

    def system(self, mover_at, mover_version):
        return SYSTEM.format(port=self.port, mover_x=mover_at[0], mover_y=mover_at[1], mover_version=mover_version)

    def move_window(self, to):
        """Drag the mover's window: init gets a changed config; returns once the client applied it."""
        mark = self.mark()
        path = os.path.join(self.tmp, "system.xml")
        with open(path + ".new", "w") as f:
            f.write(self.system(to, 2))
        os.replace(path + ".new", path)
        self.wait_for(r"\[init -> mover\] config 2 applied", 10, start=mark)

    def _write_config(self, inject=True, capture=None):
        path = os.path.join(self.tmp, "vnc.config")
        with open(path + ".new", "w") as f:
            f.write(vnc_config(self.password, inject, capture, self.size, self.tls))
        os.replace(path + ".new", path)

    def _reader(self, proc):
        for line in proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def log_tail(self, n=40):
        with self.cond:
            return "\n".join(self.lines[-n:])

    def wait_for_count(self, regex, count, timeout, start=0):
        pattern = re.compile(regex)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                hits = [l for l in self.lines[start:] if pattern.search(l)]
                if len(hits) >= count:
                    return hits[count - 1]
                if self.proc.poll() is not None:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(min(left, 0.2))
        if self.proc.poll() is not None:
            raise Failure(f"nestbox exited ({self.proc.returncode}) before '{regex}'; log:\n" + self.log_tail())
        raise Failure(f"no log line '{regex}' within {timeout} s; log:\n" + self.log_tail())

    def wait_for(self, regex, timeout, start=0):
        return self.wait_for_count(regex, 1, timeout, start)

    def mark(self):
        with self.cond:
            return len(self.lines)

    def capture(self):
        """A new <capture>; returns a copy of the PNG vnc published."""
        self.captures += 1
        n = self.captures
        mark = self.mark()
        self._write_config(capture=n)
        self.wait_for(rf"\[init -> vnc\] captured {n}\b", 15, start=mark)
        src = os.path.join(self.reports, "init", "vnc", "screenshot")
        dst = os.path.join(self.tmp, f"capture-{n}.png")
        shutil.copyfile(src, dst)
        return dst

    def resize(self, width, height):
        """A mode change through vnc's config; returns once vnc logged it."""
        mark = self.mark()
        self.size = (width, height)
        self._write_config()
        self.wait_for(rf"\[init -> vnc\] mode {width}x{height}", 10, start=mark)

    def check_alive(self):
        if self.proc.poll() is not None:
            raise Failure(f"nestbox exited ({self.proc.returncode}); log:\n" + self.log_tail())

    def stop(self):
        kill_group(self.proc)


class Xvnc:
    """TigerVNC's Xvnc with a few X clients on it: to check the checks."""

    def __init__(self, tmp, password=None):
        self.tmp, self.password = tmp, password
        self.host = "127.0.0.1"
        self.procs = []

    def start(self):
        self.display = free_display(57)
        self.port = free_port()
        cmd = ["Xvnc", f":{self.display}", "-rfbport", str(self.port), "-localhost",
               "-geometry", f"{WIDTH}x{HEIGHT}", "-depth", "24", "-desktop", NAME,
               "-AlwaysShared"]
        if self.password:
            pwfile = os.path.join(self.tmp, "passwd")
            with open(pwfile, "wb") as f:
                f.write(subprocess.run(["vncpasswd", "-f"], input=self.password.encode(),
                                       capture_output=True, check=True).stdout)
            cmd += ["-SecurityTypes", "VncAuth", "-rfbauth", pwfile]
        else:
            cmd += ["-SecurityTypes", "None"]
        self.procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                           start_new_session=True))
        deadline = time.monotonic() + 10
        while not os.path.exists(f"/tmp/.X11-unix/X{self.display}"):
            if time.monotonic() > deadline:
                raise Failure("Xvnc did not come up")
            time.sleep(0.05)
        env = dict(os.environ, DISPLAY=f":{self.display}")
        subprocess.run(["xsetroot", "-solid", "#336699"], env=env, check=True)
        for c in (["xlogo", "-geometry", "300x200+50+60"],
                  ["xclock", "-geometry", "200x200+400+100", "-update", "0"],
                  ["xeyes", "-geometry", "200x150+700+400"]):
            if shutil.which(c[0]):
                self.procs.append(subprocess.Popen(c, env=env, stdout=subprocess.DEVNULL,
                                                   stderr=subprocess.DEVNULL, start_new_session=True))
        time.sleep(1.0)

    def capture(self):
        env = dict(os.environ, DISPLAY=f":{self.display}")
        dump = subprocess.run(["xwd", "-root", "-silent"], env=env, capture_output=True, check=True).stdout
        path = os.path.join(self.tmp, "xvnc-reference.ppm")
        write_ppm(path, *xwd_to_rgb(dump))
        return path

    def check_alive(self):
        pass

    def stop(self):
        for p in reversed(self.procs):
            kill_group(p)


# --------------------------------------------------------------- images

def xwd_to_rgb(data):
    """(width, height, RGB bytes) of an XWD dump (ZPixmap, 32 bpp, 8-bit masks)."""
    (header_size, version, pixmap_format, _depth, width, height, _xoff, byte_order, _bu, _bbo,
     _pad, bits_per_pixel, bytes_per_line, _vc, red_mask, green_mask, blue_mask, *_rest) = \
        struct.unpack(">25I", data[:100])
    ncolors = struct.unpack(">I", data[76:80])[0]
    if version != 7 or pixmap_format != 2 or bits_per_pixel != 32:
        raise Failure(f"unexpected XWD: version {version}, format {pixmap_format}, {bits_per_pixel} bpp")
    offset = header_size + ncolors * 12
    pixels = bytearray()
    for y in range(height):
        pixels += data[offset + y * bytes_per_line: offset + y * bytes_per_line + width * 4]
    # byte index of each channel inside a 32-bit pixel
    def index(mask):
        shift = (mask & -mask).bit_length() - 1
        return shift // 8 if byte_order == 0 else 3 - shift // 8
    rgb = bytearray(width * height * 3)
    for c, mask in enumerate((red_mask, green_mask, blue_mask)):
        rgb[c::3] = pixels[index(mask)::4]
    return width, height, bytes(rgb)


def write_ppm(path, width, height, rgb):
    with open(path, "wb") as f:
        f.write(b"P6 %d %d 255\n" % (width, height))
        f.write(rgb)


# ---------------------------------------------------------------- checks

class Checks:
    def __init__(self, vnc_check, tmp, verbose):
        self.vnc_check, self.tmp, self.verbose = vnc_check, tmp, verbose
        self.failures = []
        self.passed = 0

    def run_tool(self, name, cmd, timeout=40, expect_rc=0):
        if self.verbose:
            say("$ " + " ".join(cmd))
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            out, rc = r.stdout + r.stderr, r.returncode
        except subprocess.TimeoutExpired as e:
            out = ((e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or ""))
            out, rc = out + f"\n(timed out after {timeout} s)", None
        ok = rc == expect_rc
        summary = [l for l in out.splitlines() if l.startswith("vnc_check:")] or out.splitlines()[-3:]
        if ok:
            self.passed += 1
            say(f"ok    {name}")
            if self.verbose:
                print("\n".join("        " + l for l in out.splitlines()))
            else:
                for l in summary:
                    if any(w in l for w in ("pixels", "bytes", "screen", "refused", "changed")):
                        print("        " + l)
        else:
            self.failures.append(name)
            say(f"FAIL  {name} (exit {rc})")
            print("\n".join("        " + l for l in out.splitlines()[-40:]))
        return ok, out

    def check(self, name, args, **kw):
        return self.run_tool(name, [self.vnc_check] + args, **kw)

    def fail(self, name, why):
        self.failures.append(name)
        say(f"FAIL  {name}: {why}")

    def ok(self, name, note=""):
        self.passed += 1
        say(f"ok    {name}" + (f": {note}" if note else ""))


def group_encodings(server, ref, checks):
    addr = f"{server.host}:{server.port}"
    raw_size = WIDTH * HEIGHT * 4
    exact = [
        ("raw", ["--encodings", "raw", "--require-encoding", "raw"]),
        ("hextile", ["--encodings", "hextile", "--require-encoding", "hextile",
                     "--max-bytes", str(raw_size // 4)]),
        ("zrle", ["--encodings", "zrle", "--require-encoding", "zrle", "--max-bytes", str(raw_size // 10)]),
        ("tight (zlib, compress 9)", ["--encodings", "tight", "--compress", "9", "--require-encoding", "tight",
                                      "--max-bytes", str(raw_size // 10)]),
        ("tight (zlib, compress 1)", ["--encodings", "tight", "--compress", "1", "--require-encoding", "tight"]),
        ("copyrect zrle", ["--encodings", "copyrect zrle", "--require-encoding", "zrle"]),
    ]
    for name, args in exact:
        checks.check(f"encoding {name}, 32 bpp, exact",
                     ["connect", addr, "--reference", ref, "--expect-name", NAME,
                      "--expect-size", f"{WIDTH}x{HEIGHT}",
                      "--save", os.path.join(checks.tmp, f"got-{name.split()[0]}.png")] + args)
    if not isinstance(server, Xvnc):   # Xvnc has no cursor shape on a bare root window
        checks.check("the Cursor pseudo-encoding: a cursor shape comes",
                     ["connect", addr, "--encodings", "zrle", "--require-cursor"])
    # two clients at once, with different encodings and pixel formats
    procs = [(f"two clients at once: {enc}, {bpp} bpp",
              subprocess.Popen([checks.vnc_check, "connect", addr, "--reference", ref, "--encodings", enc,
                                "--bpp", str(bpp), "--require-encoding", enc],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
             for enc, bpp in (("zrle", 32), ("hextile", 8), ("tight", 16))]
    for name, p in procs:
        out, _ = p.communicate(timeout=40)
        if p.returncode == 0:
            checks.ok(name)
        else:
            checks.fail(name, "\n" + out)
    for q, max_mean in ((2, 8), (9, 3)):
        checks.check(f"encoding tight+jpeg quality {q}, 32 bpp, mean error <= {max_mean}",
                     ["connect", addr, "--reference", ref, "--encodings", "tight", "--quality", str(q),
                      "--require-encoding", "tight", "--lossy", "--max-mean", str(max_mean), "--max-bad", "1",
                      "--save", os.path.join(checks.tmp, f"got-jpeg{q}.png")])


def group_formats(server, ref, checks):
    addr = f"{server.host}:{server.port}"
    for bpp in (16, 8):
        for enc in ("raw", "hextile", "zrle", "tight"):
            checks.check(f"pixel format {bpp} bpp ({'565' if bpp == 16 else 'bgr233'}), {enc}",
                         ["connect", addr, "--reference", ref, "--bpp", str(bpp), "--encodings", enc,
                          "--require-encoding", enc,
                          "--save", os.path.join(checks.tmp, f"got-{bpp}-{enc}.png")])


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise Failure(f"the server closed the connection (wanted {n} bytes, got {len(buf)}: {buf.hex()})")
        buf += chunk
    return buf


def rfb_raw_frame(host, port, version, tmp):
    """A minimal RFB client: handshake VERSION with security None, then one
    full raw update at 32 bpp; returns (name, ppm path)."""
    with socket.create_connection((host, port), timeout=10) as s:
        hello = recv_exact(s, 12)
        if not re.fullmatch(rb"RFB 003\.00[378]\n", hello):
            raise Failure(f"server version message {hello!r}")
        s.sendall(b"RFB 003.00%d\n" % version)
        if version == 3:
            (sec,) = struct.unpack(">I", recv_exact(s, 4))
            if sec != 1:
                reason = ""
                if sec == 0:
                    (n,) = struct.unpack(">I", recv_exact(s, 4))
                    reason = recv_exact(s, n).decode(errors="replace")
                raise Failure(f"RFB 3.3: security type {sec}, expected 1 (None) {reason}")
        else:
            (n,) = struct.unpack(">B", recv_exact(s, 1))
            if n == 0:
                (l,) = struct.unpack(">I", recv_exact(s, 4))
                raise Failure("no security types: " + recv_exact(s, l).decode(errors="replace"))
            types = list(recv_exact(s, n))
            if 1 not in types:
                raise Failure(f"security types {types} lack None (1)")
            s.sendall(b"\x01")
            if version == 8:
                (result,) = struct.unpack(">I", recv_exact(s, 4))
                if result != 0:
                    raise Failure(f"SecurityResult {result} for None")
        s.sendall(b"\x01")  # ClientInit, shared
        w, h = struct.unpack(">HH", recv_exact(s, 4))
        fmt = recv_exact(s, 16)
        (nl,) = struct.unpack(">I", recv_exact(s, 4))
        name = recv_exact(s, nl).decode(errors="replace")
        bpp, depth, big, true_colour = fmt[0], fmt[1], fmt[2], fmt[3]
        if (w, h) != (WIDTH, HEIGHT):
            raise Failure(f"ServerInit: {w}x{h}, expected {WIDTH}x{HEIGHT}")
        if not true_colour or bpp not in (8, 16, 32):
            raise Failure(f"ServerInit pixel format {fmt.hex()}: not true colour or bad bpp")
        # 32 bpp, depth 24, little endian, red at 16, green at 8, blue at 0
        s.sendall(struct.pack(">BxxxBBBBHHHBBBxxx", 0, 32, 24, 0, 1, 255, 255, 255, 16, 8, 0))
        s.sendall(struct.pack(">BxHi", 2, 1, 0))                     # SetEncodings [Raw]
        s.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, WIDTH, HEIGHT))  # full update
        rgb = bytearray(WIDTH * HEIGHT * 3)
        covered = 0
        while covered < WIDTH * HEIGHT:
            mtype = recv_exact(s, 1)[0]
            if mtype == 2:     # Bell
                continue
            if mtype == 3:     # ServerCutText
                _, l = struct.unpack(">3sI", recv_exact(s, 7))
                recv_exact(s, l)
                continue
            if mtype != 0:
                raise Failure(f"unexpected server message type {mtype} before the update")
            _, nrects = struct.unpack(">BH", recv_exact(s, 3))
            for _ in range(nrects):
                x, y, rw, rh, enc = struct.unpack(">HHHHi", recv_exact(s, 12))
                if enc != 0:
                    raise Failure(f"rect {rw}x{rh} at {x},{y} in encoding {enc}, but only Raw was requested")
                if x + rw > WIDTH or y + rh > HEIGHT:
                    raise Failure(f"rect {rw}x{rh} at {x},{y} outside the framebuffer")
                data = recv_exact(s, rw * rh * 4)
                for row in range(rh):
                    line = data[row * rw * 4:(row + 1) * rw * 4]
                    at = ((y + row) * WIDTH + x) * 3
                    seg = bytearray(rw * 3)
                    seg[0::3], seg[1::3], seg[2::3] = line[2::4], line[1::4], line[0::4]
                    rgb[at:at + rw * 3] = seg
                covered += rw * rh
        path = os.path.join(tmp, f"got-rfb-3.{version}.ppm")
        write_ppm(path, WIDTH, HEIGHT, bytes(rgb))
        return name, path


def group_protocol(server, ref, checks):
    for version in (3, 7, 8):
        name = f"RFB 3.{version} handshake, security None, raw update"
        try:
            desktop, path = rfb_raw_frame(server.host, server.port, version, checks.tmp)
        except (Failure, OSError) as e:
            checks.fail(name, str(e))
            continue
        if desktop != NAME:
            checks.fail(name, f"desktop name '{desktop}', expected '{NAME}'")
            continue
        checks.run_tool(name, [checks.vnc_check, "compare", ref, path])


def group_auth(server, ref, checks):
    addr = f"{server.host}:{server.port}"
    checks.check("VNC authentication, right password",
                 ["connect", addr, "--password", "secret", "--encodings", "zrle", "--reference", ref])
    checks.check("VNC authentication, wrong password (refused with a reason)",
                 ["connect", addr, "--password", "wrong", "--expect-auth-failure"])
    for version in (8, 7, 3):
        name = f"RFB 3.{version}: only VNC authentication offered, a wrong response refused"
        try:
            checks.ok(name, raw_wrong_response(server.host, server.port, version))
        except (Failure, OSError) as e:
            checks.fail(name, str(e))


def raw_wrong_response(host, port, version):
    """With a password the server must offer VNC authentication (2) and not
    None (1); a wrong response to the challenge gets SecurityResult 1 and,
    in 3.8, a reason string."""
    with socket.create_connection((host, port), timeout=10) as s:
        recv_exact(s, 12)
        s.sendall(b"RFB 003.00%d\n" % version)
        if version == 3:
            (sec,) = struct.unpack(">I", recv_exact(s, 4))
            if sec != 2:
                raise Failure(f"RFB 3.3: security type {sec}, expected 2 (VNC authentication)")
            types = [2]
        else:
            (n,) = struct.unpack(">B", recv_exact(s, 1))
            types = list(recv_exact(s, n)) if n else []
            if 2 not in types or 1 in types:
                raise Failure(f"security types {types}; expected 2 (VNC authentication) without 1 (None)")
            s.sendall(b"\x02")
        recv_exact(s, 16)                 # the challenge
        s.sendall(bytes(16))             # a response no password gives (in practice)
        (result,) = struct.unpack(">I", recv_exact(s, 4))
        if result != 1:
            raise Failure(f"SecurityResult {result} for a wrong response, expected 1 (failed)")
        if version == 8:
            (l,) = struct.unpack(">I", recv_exact(s, 4))
            reason = recv_exact(s, l).decode(errors="replace")
            if not reason:
                raise Failure("SecurityResult failed without a reason string")
            return f"types {types}, reason \"{reason}\""
        return f"types {types}, SecurityResult 1"


def group_gvnc(server, ref, checks):
    if not shutil.which("gvnccapture"):
        raise ci_skip.Missing.program("gvnccapture")
    out = os.path.join(checks.tmp, "gvnccapture.png")
    ok, _ = checks.run_tool("gvnccapture runs",
                            ["gvnccapture", "-q", f"{server.host}:{server.port - 5900}", out], timeout=30)
    if ok:
        checks.run_tool("gvnccapture picture equals the capture", [checks.vnc_check, "compare", ref, out])


def tigervnc_viewer():
    for v in ("xtigervncviewer", "vncviewer"):
        path = shutil.which(v)
        if path:
            return path
    return None


def group_tigervnc(server, ref, checks, security=("-SecurityTypes=None",),
                   name="TigerVNC viewer (ZRLE) shows the capture exactly"):
    viewer = tigervnc_viewer()
    if not viewer:
        raise ci_skip.Missing.program("xtigervncviewer")
    for tool in ("Xvfb", "xwd"):
        if not shutil.which(tool):
            raise ci_skip.Missing.program(tool)
    # -displayfd: Xvfb picks a free display itself (tests run in parallel)
    rfd, wfd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(wfd), "-screen", "0", "1280x1024x24",
                             "-nolisten", "tcp"], pass_fds=(wfd,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    os.close(wfd)
    view = None
    try:
        number = b""
        with os.fdopen(rfd, "rb") as r:
            while not number.endswith(b"\n"):
                chunk = r.read(1)
                if not chunk:
                    raise Failure("Xvfb did not come up (no display number on -displayfd)")
                number += chunk
        n = int(number)
        env = dict(os.environ, DISPLAY=f":{n}", HOME=checks.tmp)
        log = open(os.path.join(checks.tmp, "vncviewer.log"), "w")
        view = subprocess.Popen([viewer, "-FullScreen=0", "-RemoteResize=0", "-Shared=1",
                                 "-PreferredEncoding=ZRLE", "-AutoSelect=0", "-FullColor=1",
                                 "-DotWhenNoCursor=0", *security,
                                 f"{server.host}::{server.port}"],
                                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        screen = os.path.join(checks.tmp, "tigervnc-screen.ppm")
        deadline = time.monotonic() + 20
        out = ""
        while True:
            time.sleep(1)
            if view.poll() is not None:
                log.flush()
                checks.fail(name, f"the viewer exited ({view.returncode}):\n" +
                            open(log.name).read()[-2000:])
                return
            dump = subprocess.run(["xwd", "-root", "-silent", "-display", f":{n}"],
                                  capture_output=True, timeout=10)
            if dump.returncode != 0:
                raise Failure("xwd: " + dump.stderr.decode(errors="replace"))
            write_ppm(screen, *xwd_to_rgb(dump.stdout))
            r = subprocess.run([checks.vnc_check, "find", ref, screen], capture_output=True, text=True)
            out = r.stdout
            if r.returncode == 0 or time.monotonic() > deadline:
                break
        if r.returncode == 0:
            checks.ok(name, out.strip().replace("vnc_check: ", ""))
        else:
            log.flush()
            checks.fail(name, out.strip() + "\n  viewer log:\n" + open(log.name).read()[-1500:])
    finally:
        kill_group(view)
        kill_group(xvfb)


def make_certificate(tmp):
    """The server's certificate for 127.0.0.1 (its own CA) and key, made now: no key is committed."""
    if not shutil.which("openssl"):
        raise ci_skip.Missing.program("openssl")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", os.path.join(tmp, "vnc.key"), "-out", os.path.join(tmp, "vnc.crt")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise Failure("openssl req: " + r.stderr)


def plain_types_refused(host, port):
    """A viewer that speaks only the plain types: VeNCrypt (19) is all that is
    offered, and choosing VNC authentication fails with a reason."""
    with socket.create_connection((host, port), timeout=10) as s:
        recv_exact(s, 12)
        s.sendall(b"RFB 003.008\n")
        (n,) = struct.unpack(">B", recv_exact(s, 1))
        types = list(recv_exact(s, n))
        if types != [19]:
            raise Failure(f"security types {types}, expected only 19 (VeNCrypt)")
        s.sendall(b"\x02")
        (result,) = struct.unpack(">I", recv_exact(s, 4))
        (l,) = struct.unpack(">I", recv_exact(s, 4))
        reason = recv_exact(s, l).decode(errors="replace")
        if result != 1:
            raise Failure(f"SecurityResult {result} for VNC authentication in the clear, expected 1")
        return f"types {types}; VncAuth refused: \"{reason}\""


def group_tls(server, ref, checks):
    """VeNCrypt with real peers (the server offers X509Vnc and TLSVnc only)."""
    addr = f"{server.host}:{server.port}"
    ca = os.path.join(server.tmp, "vnc.crt")
    name = "a viewer offering only plain types is refused"
    try:
        checks.ok(name, plain_types_refused(server.host, server.port))
    except (Failure, OSError) as e:
        checks.fail(name, str(e))

    # a view-only viewer's click and keys change nothing
    tx, ty, tw, th = TEXT_WINDOW
    mark = server.mark()
    checks.check("libvncclient over X509Vnc with the view password: clicks and types",
                 ["connect", addr, "--x509-ca", ca, "--password", "look", "--encodings", "zrle",
                  "--reference", ref, "--click", f"{tx + 200},{ty + 300}", "--type", "ignored"])
    try:
        server.wait_for(r"\[init -> vnc\] client .* security X509Vnc, authenticated, view-only", 5, start=mark)
        checks.ok("the log names the view-only viewer")
    except Failure as e:
        checks.fail("the log names the view-only viewer", str(e))
    time.sleep(0.5)
    if any("[init -> text] key: " in l for l in server.lines[mark:]):
        checks.fail("a view-only viewer's keys reach nobody", "the text app logged keys")
    else:
        checks.ok("a view-only viewer's keys reach nobody")
    after = server.capture()
    checks.run_tool("a view-only viewer's click and keys changed no pixel", [checks.vnc_check, "compare", ref, after])

    # the exact picture through TigerVNC's viewer and gtk-vnc, over TLS
    passwd = os.path.join(server.tmp, "passwd")
    with open(passwd, "wb") as f:
        f.write(subprocess.run(["vncpasswd", "-f"], input=b"secret\n", capture_output=True, check=True).stdout)
    mark = server.mark()
    group_tigervnc(server, ref, checks, ("-SecurityTypes=X509Vnc", f"-X509CA={ca}", f"-PasswordFile={passwd}"),
                   "TigerVNC viewer over VeNCrypt X509Vnc shows the capture exactly")
    try:
        line = server.wait_for(r"\[init -> vnc\] client .* over TLS", 5, start=mark)
        server.wait_for(r"\[init -> vnc\] client .* security X509Vnc, authenticated$", 5, start=mark)
        checks.ok("TigerVNC's session was X509Vnc", line.split("] ", 1)[1])
    except Failure as e:
        checks.fail("TigerVNC's session was X509Vnc", str(e))

    # a full viewer's click and keys do change the desktop
    checks.check("libvncclient over X509Vnc with the full password: typing changes the text window",
                 ["connect", addr, "--x509-ca", ca, "--password", "secret", "--encodings", "zrle",
                  "--click", f"{tx + 200},{ty + 300}", "--type", "full",
                  "--expect-change", f"{tx},{ty},{tw},{th}"])

    # gtk-vnc looks for its CA in root's home when run as root, which a test
    # does not touch: it gets anonymous TLS, by a change of the live config
    time.sleep(0.5)
    typed = server.capture()   # what the full viewer typed shows
    mark = server.mark()
    server.tls = ' view_password="look" security="TLSVnc"'
    server._write_config()
    server.wait_for(r"\[init -> vnc\] security TLSVnc$", 10, start=mark)
    out = os.path.join(checks.tmp, "gvnccapture-tls.png")
    # gvnccapture reads the password from a terminal (flushed when it turns
    # echo off): it gets one, and the password once it asked
    master, slave = pty.openpty()
    gvnc = subprocess.Popen(["gvnccapture", "-q", f"{server.host}:{server.port - 5900}", out],
                            stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    said = b""
    try:
        deadline = time.monotonic() + 20
        while b"Password" not in said and time.monotonic() < deadline and gvnc.poll() is None:
            if select.select([gvnc.stdout], [], [], 0.5)[0]:
                said += os.read(gvnc.stdout.fileno(), 256)
        time.sleep(0.3)   # past tcsetattr(TCSAFLUSH)
        os.write(master, b"secret\n")
        said += gvnc.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        gvnc.kill()
        said += gvnc.communicate()[0]
    finally:
        os.close(slave)
        os.close(master)
    if gvnc.returncode != 0:
        checks.fail("gvnccapture (gtk-vnc) over VeNCrypt",
                    f"exit {gvnc.returncode}: {said.decode(errors='replace')}")
    else:
        checks.run_tool("gvnccapture (gtk-vnc) over VeNCrypt: its picture equals the capture",
                        [checks.vnc_check, "compare", typed, out])
        try:
            line = server.wait_for(r"\[init -> vnc\] client .* security TLSVnc, authenticated$", 5, start=mark)
            checks.ok("gtk-vnc's session was VeNCrypt", line.split("] ", 1)[1])
        except Failure as e:
            checks.fail("gtk-vnc's session was VeNCrypt", str(e))



def group_input(server, ref, checks):
    addr = f"{server.host}:{server.port}"
    tx, ty, tw, th = TEXT_WINDOW
    mark = server.mark()
    got = os.path.join(checks.tmp, "got-after-typing.png")
    checks.check('click into text and type "vnc typed" (keysyms); the text window changes',
                 ["connect", addr, "--encodings", "zrle", "--click", f"{tx + 200},{ty + 300}",
                  "--type", "vnc typed", "--expect-change", f"{tx},{ty},{tw},{th}", "--save", got])
    try:
        for key in ["v", "n", "c", "<space>", "t", "y", "p", "e", "d"]:
            server.wait_for(rf"\[init -> text\] key: {re.escape(key)}$", 5, start=mark)
        # in order: the keys typed after the mark
        typed = [l.split("key: ", 1)[1] for l in server.lines[mark:] if "[init -> text] key: " in l]
        if typed[:9] != ["v", "n", "c", "<space>", "t", "y", "p", "e", "d"]:
            raise Failure(f"text logged keys {typed}, expected v n c <space> t y p e d")
        checks.ok("the text app logged the typed keys in order", " ".join(typed[:9]))
    except Failure as e:
        checks.fail("the text app logged the typed keys", str(e))
    time.sleep(0.5)
    after = server.capture()
    checks.run_tool("the capture after typing differs from before in the text window",
                    [checks.vnc_check, "compare", ref, after, "--region", f"{tx},{ty},{tw},{th}",
                     "--expect-differ"])
    checks.run_tool("the capture after typing is unchanged outside the text window",
                    [checks.vnc_check, "compare", ref, after, "--region", f"0,0,{tx},{HEIGHT}"])
    if os.path.exists(got):
        checks.run_tool("the client's framebuffer after typing equals the new capture",
                        [checks.vnc_check, "compare", after, got])

    # QEMU extended key events (keysym + XT scan code)
    mark = server.mark()
    checks.check('type "qemu" with QEMU extended key events',
                 ["connect", addr, "--encodings", "zrle", "--qemu-keys", "--type", "qemu",
                  "--expect-change", f"{tx},{ty},{tw},{th}"])
    try:
        server.wait_for(r"\[init -> text\] key: u$", 5, start=mark)
        typed = [l.split("key: ", 1)[1] for l in server.lines[mark:] if "[init -> text] key: " in l]
        if typed[:4] != ["q", "e", "m", "u"]:
            raise Failure(f"text logged keys {typed}, expected q e m u")
        checks.ok("the text app logged the QEMU-typed keys", " ".join(typed[:4]))
    except Failure as e:
        checks.fail("the text app logged the QEMU-typed keys", str(e))


def group_lossless(server, ref, checks):
    """After JPEG, a region still for a moment is sent again losslessly: the
    viewer's picture ends identical to the screen."""
    addr = f"{server.host}:{server.port}"
    ref = server.capture()   # what the groups before left on the screen
    jpeg = ["--encodings", "tight", "--quality", "2", "--compress", "1"]
    checks.check("tight+jpeg quality 2: lossy at first, then exactly the capture (lossless refresh)",
                 ["connect", addr, "--reference", ref, "--expect-lossy-first", "--require-encoding", "tight",
                  "--timeout", "15", "--save", os.path.join(checks.tmp, "got-lossless.png")] + jpeg)
    tx, ty, tw, th = TEXT_WINDOW
    final = os.path.join(checks.tmp, "capture-after-jpeg-typing.png")
    name = "tight+jpeg while text is typed, then still: exactly the new capture"
    mark = server.mark()
    client = Background_client([checks.vnc_check, "connect", addr, "--click", f"{tx + 200},{ty + 300}",
                                "--type", "jpeg", "--expect-change", f"{tx},{ty},{tw},{th}",
                                "--final-reference", final, "--timeout", "15",
                                "--save", os.path.join(checks.tmp, "got-after-jpeg-typing.png")] + jpeg)
    try:
        client.wait("waiting for the final reference", 40, "vnc_check did not see the typing")
        server.wait_for(r"\[init -> text\] key: g$", 10, start=mark)
        time.sleep(0.5)
        shutil.copyfile(server.capture(), final)
        client.finish()
        checks.ok(name, client.line("final reference") or "")
    except Failure as e:
        checks.fail(name, str(e))
    finally:
        client.kill()


class Background_client:
    """vnc_check running while the test changes the desktop: its output is
    collected, 'wait' blocks until a line with a marker came, 'finish'
    closes its stdin (its cue to save what it sees) and waits for it."""

    def __init__(self, cmd):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.out = []
        self.cond = threading.Condition()
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        for line in self.proc.stdout:
            with self.cond:
                self.out.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.out.append(None)   # the end
            self.cond.notify_all()

    def line(self, marker):
        return next((l for l in self.out if l and marker in l), None)

    def wait(self, marker, timeout, what):
        with self.cond:
            if not self.cond.wait_for(lambda: self.line(marker) or None in self.out, timeout) \
               or not self.line(marker):
                raise Failure(f"{what}:\n" + self.output())

    def output(self):
        return "\n".join(l for l in self.out if l is not None)

    def finish(self):
        self.proc.stdin.close()
        self.proc.wait(20)
        if self.proc.returncode != 0:
            raise Failure(f"vnc_check exited {self.proc.returncode}:\n" + self.output())

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def group_moves(server, ref, checks):
    """A window moves while a client with CopyRect is connected: the server
    must send (some of) it as CopyRect, and the client's picture must then
    equal a capture exactly."""
    addr = f"{server.host}:{server.port}"
    got = os.path.join(checks.tmp, "got-moved.png")
    name = "a moved window reaches a client as CopyRect, exactly"
    x1, y1 = MOVER_AT
    x2, y2 = MOVER_TO[0] + 300, MOVER_TO[1] + 200
    client = Background_client([checks.vnc_check, "connect", addr, "--encodings", "copyrect zrle",
                                "--reference", ref, "--then-change", f"{x1},{y1},{x2 - x1},{y2 - y1}",
                                "--then-save", got, "--then-require-encoding", "copyrect", "--timeout", "12"])
    try:
        client.wait("waiting for a change", 30, "vnc_check did not get the first frame")
        server.move_window(MOVER_TO)
        client.wait("the region changed", 15, "the client saw no change")
        time.sleep(0.5)
        after = server.capture()
        client.finish()
        checks.ok(name.replace(", exactly", ""), client.line("after the change"))
        checks.run_tool(name, [checks.vnc_check, "compare", after, got])
    except Failure as e:
        checks.fail(name, str(e))
    finally:
        client.kill()


def group_resize(server, ref, checks):
    """A mode change while a client is connected: DesktopSize, then the new
    screen, equal to a capture at the new size."""
    addr = f"{server.host}:{server.port}"
    new_w, new_h = 800, 600
    got = os.path.join(checks.tmp, "got-resized.png")
    name = f"a mode change to {new_w}x{new_h} reaches a connected client (DesktopSize), exactly"
    client = Background_client([checks.vnc_check, "connect", addr, "--encodings", "zrle", "--reference", ref,
                                "--then-size", f"{new_w}x{new_h}", "--then-save", got, "--timeout", "12"])
    try:
        client.wait("waiting for the size", 30, "vnc_check did not get the first frame")
        server.resize(new_w, new_h)
        client.wait("resized to", 25, "the client did not get the new size")
        time.sleep(1.0)
        after = server.capture()
        time.sleep(0.5)
        client.finish()
        checks.ok(name.replace(", exactly", ""), "the client saw the new size")
        checks.run_tool(name, [checks.vnc_check, "compare", after, got])
        # back to the first size, and the client-side view of it again
        server.resize(WIDTH, HEIGHT)
        time.sleep(1.0)
        back = server.capture()
        checks.check(f"after the mode change back to {WIDTH}x{HEIGHT}, a new client sees the capture",
                     ["connect", addr, "--encodings", "tight", "--reference", back])
    except Failure as e:
        checks.fail(name, str(e))
    finally:
        client.kill()


GROUPS = {
    "encodings": group_encodings,
    "formats": group_formats,
    "protocol": group_protocol,
    "auth": group_auth,
    "gvnc": group_gvnc,
    "tigervnc": group_tigervnc,
    "input": group_input,
    "lossless": group_lossless,
    "resize": group_resize,
    "moves": group_moves,
    "tls": group_tls,
}
# the order they run in: input and resize change the desktop, auth and tls
# need a server of their own
ORDER = ["encodings", "formats", "protocol", "gvnc", "tigervnc", "input", "lossless", "moves", "resize", "auth", "tls"]
XVNC_GROUPS = ["encodings", "formats", "protocol", "gvnc", "tigervnc", "auth"]


def main():
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    xvnc = "--xvnc" in flags
    unsealed = "--unsealed" in flags
    keep = "--keep" in flags
    verbose = "--verbose" in flags
    if xvnc:
        if len(args) < 1:
            print(__doc__)
            return 2
        nestbox, vnc_check, groups = None, args[0], args[1:]
    else:
        if len(args) < 2:
            print(__doc__)
            return 2
        nestbox, vnc_check, groups = args[0], args[1], args[2:]
    groups = groups or (XVNC_GROUPS if xvnc else list(GROUPS))
    for g in groups:
        if g not in GROUPS:
            print(f"unknown group {g}; groups: {' '.join(GROUPS)}")
            return 2
    label = " ".join(groups)

    try:
        if not os.path.exists(vnc_check):
            raise ci_skip.Missing(f"{vnc_check} not built (libvncclient missing)", "libvncserver-dev")
        if xvnc:
            if not shutil.which("Xvnc"):
                raise ci_skip.Missing.program("Xvnc")
        else:
            vnc_bin = os.path.join(os.path.dirname(os.path.abspath(nestbox)), "vnc")
            if not os.path.exists(vnc_bin):
                raise ci_skip.Missing(f"{vnc_bin} not built")
            if not os.path.exists(os.path.join(FONT_DIR, "DejaVuSans.ttf")):
                raise ci_skip.Missing(f"no {FONT_DIR}/DejaVuSans.ttf", "fonts-dejavu-core")
            if not unsealed and os.geteuid() != 0:
                raise ci_skip.Unsupported("sealing needs root (run with --unsealed to test unsealed)")
        if ("gvnc" in groups or "tls" in groups) and not shutil.which("gvnccapture"):
            raise ci_skip.Missing.program("gvnccapture")
        if "tls" in groups:
            for tool in ("openssl", "vncpasswd"):
                if not shutil.which(tool):
                    raise ci_skip.Missing.program(tool)
        if "tigervnc" in groups or "tls" in groups:
            if not tigervnc_viewer():
                raise ci_skip.Missing.program("xtigervncviewer")
            for tool in ("Xvfb", "xwd"):
                if not shutil.which(tool):
                    raise ci_skip.Missing.program(tool)
    except (ci_skip.Missing, ci_skip.Unsupported) as e:
        return ci_skip.exit_status("vnc", e)

    tmp = tempfile.mkdtemp(prefix="nestbox-vnc-")
    checks = Checks(vnc_check, tmp, verbose)
    server = None
    status = 0
    try:
        groups = sorted(set(groups), key=ORDER.index)
        current = None
        for g in groups:
            want_pw = "secret" if g in ("auth", "tls") else None
            if server is None or g in ("auth", "tls") or current in ("auth", "tls"):
                if server is not None:
                    server.stop()
                if g == "tls":
                    make_certificate(tmp)
                server = Xvnc(tmp, want_pw) if xvnc else \
                    Nestbox(nestbox, tmp, unsealed, want_pw, TLS_SECURITY if g == "tls" else None)
                server.start()
                current = g
                ref = server.capture()
                say(f"{'Xvnc' if xvnc else 'vnc'} on {server.host}:{server.port}"
                    f"{' (password secret)' if want_pw else ''}, reference {ref}")
            if xvnc and g in ("input", "resize", "lossless"):
                continue
            GROUPS[g](server, ref, checks)
            server.check_alive()
    except (ci_skip.Missing, ci_skip.Unsupported) as e:
        status = ci_skip.exit_status("vnc", e)
    except Failure as e:
        checks.fail("system", str(e))
    finally:
        if server is not None:
            server.stop()
        if keep or (checks.failures and not status):
            if isinstance(server, Nestbox):
                with open(os.path.join(tmp, "nestbox.log"), "w") as f:
                    f.write("\n".join(server.lines) + "\n")
            say(f"kept {tmp} (captures, what the clients got, nestbox.log)")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if status:
        return status
    if checks.failures:
        say(f"FAILED ({label}): {len(checks.failures)} of {len(checks.failures) + checks.passed} checks: "
            + "; ".join(checks.failures))
        return 1
    say(f"passed ({label}): {checks.passed} checks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
