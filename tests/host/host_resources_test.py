#!/usr/bin/env python3
"""
Host resources as capabilities: a sealed component gets exactly what its
start node's <host> grants, from core, and nothing else of the host.

Checks against a real TCP client (this script): the granted listening
socket serves; a granted device works; a granted read-only directory reads
and refuses writes; a writeable one takes a file; /etc/passwd does not
exist for the component.

Usage: host_resources_test.py NESTBOX_BINARY
"""

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    nestbox = sys.argv[1]
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        shared = os.path.join(tmp, "shared")
        os.mkdir(shared)
        os.chmod(shared, 0o777)   # the component runs as nobody
        with open(os.path.join(shared, "hello"), "w") as f:
            f.write("hello from the host\n")

        config = os.path.join(tmp, "host.xml")
        with open(config, "w") as f:
            f.write(f"""<config>
	<parent-provides><service name="LOG"/><service name="ROM"/><service name="PD"/>
		<service name="CPU"/><service name="Timer"/></parent-provides>
	<default-route><any-service><parent/></any-service></default-route>
	<start name="user"><binary name="host_user"/>
		<host>
			<tcp listen="{port}" address="127.0.0.1"/>
			<device path="/dev/null"/>
			<directory path="/usr/share/common-licenses"/>
			<directory path="{shared}" writeable="yes"/>
		</host>
		<config>
			<read path="/usr/share/common-licenses/GPL-3"/>
			<read path="/etc/passwd"/>
			<read path="{shared}/hello"/>
			<write path="{shared}/out" content="written by a component"/>
			<write path="/usr/share/common-licenses/nope" content="x"/>
			<device name="device:/dev/null"/>
			<echo tcp="tcp:127.0.0.1:{port}"/>
		</config>
	</start>
</config>
""")
        run = subprocess.Popen([nestbox, "run", "--timeout", "20", config],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines = []
        listening = threading.Event()

        def read():
            for line in run.stdout:
                lines.append(line.rstrip("\n"))
                if line.strip().endswith("echo: listening"):
                    listening.set()
        reader = threading.Thread(target=read, daemon=True)
        reader.start()

        ok = listening.wait(15)
        reply = b""
        if ok:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
                c.sendall(b"ping over tcp\n")
                while not reply.endswith(b"\n"):
                    chunk = c.recv(100)
                    if not chunk:
                        break
                    reply += chunk
            time.sleep(0.3)
        run.terminate()
        run.wait()
        reader.join(2)

        written = ""
        out = os.path.join(shared, "out")
        if os.path.exists(out):
            with open(out) as f:
                written = f.read()

    expected = [
        "[init -> user] read /usr/share/common-licenses/GPL-3: GNU GENERAL PUBLIC LICENSE",
        "[init -> user] read /etc/passwd: No such file or directory",
        f"[init -> user] read {shared}/hello: hello from the host",
        f"[init -> user] write {shared}/out: ok",
        "[init -> user] write /usr/share/common-licenses/nope: Read-only file system",
        "[init -> user] device device:/dev/null: wrote 1 byte",
        "[init -> user] tcp: ping over tcp",
    ]
    failures = [e for e in expected if e not in lines]
    if reply != b"ping over tcp\n":
        failures.append(f"echo over the granted socket: got {reply!r}")
    if written != "written by a component":
        failures.append(f"file in the writeable directory: got {written!r}")

    print("\n".join(lines))
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nhost resources: passed")


if __name__ == "__main__":
    main()
