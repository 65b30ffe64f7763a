#!/usr/bin/env python3
"""The clipboard between viewers and components, as the clipboard server's policy allows.

A system of vnc (config clipboard="yes"), the clipboard server and three
reporter components: "editor" in vnc's domain, "vault" in a domain no
flow leads to, "outsider" with no domain at all. Checks, in order:

  1. a libvncclient viewer (vnc_check, plain Latin-1 cut text) sends
     "from the viewer": the editor's clipboard ROM shows it;
  2. the editor then reports "from the editor é": the viewer gets it as
     ServerCutText, é in Latin-1;
  3. a raw RFB client with the Extended Clipboard gets the server's caps and,
     being new, a notify; it requests the text and is provided it (zlib,
     UTF-8, CRLF, NUL); then it notifies of its own text "extended ✓",
     the server requests it, the client provides it, and the editor's ROM
     shows it (UTF-8 as sent);
  4. the outsider's report is refused (the clipboard logs why), and the
     vault and the outsider never see any of the text: their ROMs stay
     empty, without a single change signal.

    clipboard_test.py NESTBOX VNC_CHECK [--unsealed]
"""

import os
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from small_system import System  # noqa: E402

EXTENDED_CLIPBOARD = -1063131698    # 0xc0a1e5ce
TEXT, CAPS, REQUEST, PEEK, NOTIFY, PROVIDE = 1, 1 << 24, 1 << 25, 1 << 26, 1 << 27, 1 << 28

SYSTEM = """<config>
	<parent-provides>
		<service name="LOG"/> <service name="ROM"/> <service name="PD"/>
		<service name="CPU"/> <service name="Timer"/> <service name="Report"/>
	</parent-provides>
	<default-route> <any-service> <parent/> </any-service> </default-route>
	<default caps="100" ram="1M"/>

	<start name="clipboard" ram="4M">
		<provides> <service name="Report"/> <service name="ROM"/> </provides>
		<config verbose="yes">
			<policy label_prefix="vnc ->"    domain="desktop"/>
			<policy label_prefix="editor ->" domain="desktop"/>
			<policy label_prefix="vault ->"  domain="vault"/>
			<flow from="vault" to="desktop"/>
		</config>
	</start>

	<start name="vnc" ram="32M">
		<provides> <service name="Framebuffer"/> <service name="Input"/> </provides>
		<host> <tcp listen="{port}" address="127.0.0.1"/> </host>
		<route>
			<service name="ROM" label="config"> <parent label="vnc.config"/> </service>
			<service name="ROM" label="clipboard"> <child name="clipboard"/> </service>
			<service name="Report" label="clipboard"> <child name="clipboard"/> </service>
			<any-service> <parent/> </any-service>
		</route>
	</start>

	<start name="editor" ram="2M">
		<binary name="reporter"/>
		<config>
			<rom label="clipboard"/>
			<wait_rom label="clipboard" content="&lt;clipboard&gt;from the viewer&lt;/clipboard&gt;"/>
			<report label="clipboard" content="&lt;clipboard&gt;from the editor \u00e9&lt;/clipboard&gt;" buffer_size="4K"/>
			<log string="editor reported"/>
			<sleep_forever/>
		</config>
		<route>
			<service name="ROM" label="clipboard"> <child name="clipboard"/> </service>
			<service name="Report"> <child name="clipboard"/> </service>
			<any-service> <parent/> </any-service>
		</route>
	</start>

	<start name="vault" ram="2M">
		<binary name="reporter"/>
		<config> <rom label="clipboard"/> <sleep_forever/> </config>
		<route>
			<service name="ROM" label="clipboard"> <child name="clipboard"/> </service>
			<any-service> <parent/> </any-service>
		</route>
	</start>

	<start name="outsider" ram="2M">
		<binary name="reporter"/>
		<config>
			<rom label="clipboard"/>
			<report label="clipboard" content="&lt;clipboard&gt;outsider&lt;/clipboard&gt;"/>
			<sleep_forever/>
		</config>
		<route>
			<service name="ROM" label="clipboard"> <child name="clipboard"/> </service>
			<service name="Report"> <child name="clipboard"/> </service>
			<any-service> <parent/> </any-service>
		</route>
	</start>
</config>
"""


def cut_text(system, s):
    """The next ServerCutText, skipping updates: (length field, body)."""
    while True:
        t = system.recv(s, 1)[0]
        if t == 3:
            length = struct.unpack(">xxxi", system.recv(s, 7))[0]
            return length, system.recv(s, -length if length < 0 else length)
        system.fail(f"unexpected server message {t} (no update was requested)")


def extended(flags, data=b""):
    body = struct.pack(">I", flags) + data
    return struct.pack(">Bxxxi", 6, -len(body)) + body


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        print(__doc__)
        sys.exit(2)
    vnc_check = args[1]
    if not os.path.exists(vnc_check):
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        import ci_skip  # noqa: E402  (tests/ci_skip.py)
        ci_skip.missing("clipboard", f"{vnc_check} not built (libvncclient missing)", "libvncserver-dev")
    with System("clipboard", args[0], "--unsealed" in sys.argv, config=SYSTEM,
                vnc_config='<config width="320" height="240" clipboard="yes" verbose="yes"/>') as system:
        system.wait_for("[init -> vnc] clipboard: viewers' text goes to", 15)
        system.wait_for("[init -> clipboard] Warning: 'outsider -> clipboard' may not write the clipboard", 10)

        # 1, 2: a libvncclient viewer, plain cut text both ways
        r = subprocess.run([vnc_check, "connect", f"127.0.0.1:{system.port}", "--encodings", "raw",
                            "--send-cut-text", "from the viewer",
                            "--expect-cut-text".encode(), "from the editor \xe9".encode("latin-1"),
                            "--timeout", "15"], capture_output=True, timeout=40)
        out = r.stdout.decode("latin-1")
        if r.returncode != 0:
            system.fail("vnc_check:\n" + out + "\nlog:\n" + "\n".join(system.lines[-30:]))
        system.wait_for("[init -> editor] rom content: <clipboard>from the viewer</clipboard>", 5)
        print("clipboard: the viewer's text reached the editor's ROM")
        print("clipboard: the editor's text reached the viewer (Latin-1)")

        # 3: the Extended Clipboard, with a raw client
        s, _, _ = system.connect([0, EXTENDED_CLIPBOARD])
        length, body = cut_text(system, s)
        flags = struct.unpack(">I", body[:4])[0]
        if length >= 0 or not flags & CAPS or not flags & TEXT:
            system.fail(f"no extended clipboard caps first: length {length}, flags {flags:#x}")
        s.sendall(extended(CAPS | REQUEST | NOTIFY | PROVIDE | TEXT, struct.pack(">I", 1 << 20)))
        length, body = cut_text(system, s)
        if struct.unpack(">I", body[:4])[0] != NOTIFY | TEXT:
            system.fail(f"a new viewer is not notified of the clipboard: {body[:4].hex()}")
        s.sendall(extended(REQUEST | TEXT))
        length, body = cut_text(system, s)
        if struct.unpack(">I", body[:4])[0] != PROVIDE | TEXT:
            system.fail(f"a request is not answered with a provide: {body[:4].hex()}")
        plain = zlib.decompress(body[4:])
        size = struct.unpack(">I", plain[:4])[0]
        if plain[4:4 + size] != "from the editor \u00e9\0".encode():
            system.fail(f"provided {plain[4:4 + size]!r}")
        print("clipboard: an extended clipboard viewer was provided the text (UTF-8)")

        s.sendall(extended(NOTIFY | TEXT))
        length, body = cut_text(system, s)
        if struct.unpack(">I", body[:4])[0] != REQUEST | TEXT:
            system.fail(f"a notify is not answered with a request: {body[:4].hex()}")
        text = "extended \u2713\r\nline".encode() + b"\0"
        s.sendall(extended(PROVIDE | TEXT, zlib.compress(struct.pack(">I", len(text)) + text)))
        system.wait_for("[init -> editor] rom content: <clipboard>extended \u2713", 5)
        print("clipboard: an extended clipboard viewer's text reached the editor's ROM")
        s.close()

        # 4: the others saw nothing
        for who in ("vault", "outsider"):
            seen = [l for l in system.lines if l.startswith(f"[init -> {who}] rom content:")]
            if seen != [f"[init -> {who}] rom content: <empty/>"]:
                system.fail(f"{who} saw {seen}, not just one empty ROM")
        print("clipboard: the vault and the outsider saw nothing")
        print("clipboard: passed")


if __name__ == "__main__":
    main()
