"""A small system with the vnc component, for tests that speak RFB themselves.

vnc, gui (no pointer) and paint, the vnc config from a file in a ROM
directory (rewrite it to reconfigure vnc), the log collected as it comes.
Used by idle_test.py, viewer_resize_test.py and clipboard_test.py (which
brings a system of its own: 'config', a template with {port}).
"""

import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import ci_skip  # noqa: E402  (tests/ci_skip.py: a missing package fails under CI)

# The vnc server and what it needs; a test adds its clients and "</config>"
VNC_SYSTEM = """<config>
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
"""

CONFIG = VNC_SYSTEM + """	<start name="gui" ram="8M">
		<provides> <service name="Gui"/> </provides>
		<config pointer="no" verbose="{gui_verbose}">
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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recv_exact(s, n, fail):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            fail("the server closed the connection")
        data += chunk
    return data


class System:
    """'with System(test, nestbox, unsealed) as system:' runs it; 'fail' ends the test."""

    def __init__(self, test, nestbox, unsealed, gui_verbose=False, config=None, vnc_config=None):
        self.test, self.nestbox, self.unsealed = test, nestbox, unsealed
        # CONFIG looked up now: a test may have replaced the module's (tests/hostile)
        self.config, self.vnc_config = config or CONFIG, vnc_config or '<config width="320" height="240"/>'
        self.gui_verbose = gui_verbose
        self.lines = []

    def fail(self, why):
        print(f"{self.test}: FAILED: {why}")
        sys.exit(1)

    def skip_unless_runnable(self):
        if not os.path.exists(os.path.join(os.path.dirname(self.nestbox), "vnc")):
            ci_skip.missing(self.test, "vnc not built")
        if not self.unsealed and os.geteuid() != 0:
            ci_skip.unsupported(self.test, "sealing needs root (run with --unsealed to test unsealed)")

    def __enter__(self):
        self.skip_unless_runnable()
        self.tmp = tempfile.mkdtemp(prefix=f"nestbox-{self.test}-")
        self.port = free_port()
        config = os.path.join(self.tmp, "system.xml")
        with open(config, "w") as f:
            f.write(self.config.format(port=self.port, gui_verbose="yes" if self.gui_verbose else "no"))
        self.write_vnc_config(self.vnc_config)
        cmd = [self.nestbox, "run", "--rom-dir", self.tmp, "--timeout", "40", config]
        if self.unsealed:
            cmd.insert(2, "--unsealed")
        self.run = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                    start_new_session=True)
        threading.Thread(target=lambda: [self.lines.append(l.rstrip("\n")) for l in self.run.stdout],
                         daemon=True).start()
        self.wait_for("[init -> vnc] listening on", 15)
        return self

    def __exit__(self, *exc):
        try:
            os.killpg(self.run.pid, 15)
        except ProcessLookupError:
            pass
        self.run.wait(10)

    def write_vnc_config(self, text):
        path = os.path.join(self.tmp, "vnc.config")
        with open(path + ".new", "w") as f:
            f.write(text)
        os.replace(path + ".new", path)

    def wait_for(self, text, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(text in l for l in self.lines):
                return
            time.sleep(0.05)
        self.fail(f"no log line {text!r}; log:\n" + "\n".join(self.lines[-30:]))

    def recv(self, s, n):
        return recv_exact(s, n, self.fail)

    def connect(self, encodings):
        """An RFB 3.8 connection with security None, after ServerInit and SetEncodings: (socket, w, h)."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        if self.recv(s, 12) != b"RFB 003.008\n":
            self.fail("no RFB 3.8 greeting")
        s.sendall(b"RFB 003.008\n")
        self.recv(s, 2)
        s.sendall(b"\x01")
        self.recv(s, 4)
        s.sendall(b"\x01")
        width, height = struct.unpack(">HH", self.recv(s, 4))
        self.recv(s, 16)
        self.recv(s, struct.unpack(">I", self.recv(s, 4))[0])
        s.sendall(struct.pack(">BBH", 2, 0, len(encodings)) + b"".join(struct.pack(">i", e) for e in encodings))
        return s, width, height
