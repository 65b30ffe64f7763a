#!/usr/bin/env python3
"""
Networking against the host's kernel, in network namespaces only.

Groups (one CTest test each):
  direct      nic_tap -> http_server (frames by io_uring): the test makes a network namespace,
              core creates the TAP device in it, the host side gets
              10.0.9.1/24, and curl (run inside the namespace) fetches the
              ROM that http_server serves from 10.0.9.2. Both components
              run sealed under --seccomp-audit: not one call may be refused.
  ping        nic_tap (io_uring="no": read/write) -> ping: ICMP echo to the TAP's host-side address;
              every request answered, the summary logged, exit value 0
  netns       a namespace that does not exist yet: core makes it (named as
              'ip netns' names them) and removes it when the run ends
  bridge      nic_tap (uplink mode) -> nic_bridge -> two http_servers with
              their own addresses and MACs from the bridge's range: curl
              reaches both through the one TAP device
  dhcp        http_server with dhcp="yes" gets its address from dnsmasq on
              the TAP's host side, and curl fetches the page from it

Every run is bounded ('nestbox run --timeout'), every namespace the test
makes is deleted at the end, and nothing touches the host's own interfaces.

Usage: nic_test.py NESTBOX BINDIR GROUP
Exits 77 (skipped) where the machine cannot make namespaces or TAP devices
(loud under CI=true), or where curl/ip (or dnsmasq) is missing (a failure
under CI=true).
"""

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import ci_skip  # noqa: E402  (tests/ci_skip.py: skipped here, failed under CI)
import nestbox_run  # noqa: E402
from nestbox_run import Failure  # noqa: E402


PARENT = """<parent-provides><service name="LOG"/><service name="ROM"/><service name="PD"/>
	<service name="CPU"/><service name="Timer"/><service name="Report"/></parent-provides>
	<default-route><any-service><parent/></any-service></default-route>
	<default caps="100" ram="1M"/>"""

PAGE = "<h1>hello from nestbox</h1>\n"


def Run(nestbox, config_path, rom_dir, timeout=60, audit=False):
    return nestbox_run.Run(nestbox, config_path, timeout=timeout, wait_timeout=30,
                           extra_args=["--rom-dir", rom_dir] + (["--seccomp-audit"] if audit else []))


def sh(*args, check=True, timeout=20):
    return subprocess.run(list(args), capture_output=True, text=True, check=check, timeout=timeout)


def in_ns(ns, *args, check=True, timeout=20):
    return sh("ip", "netns", "exec", ns, *args, check=check, timeout=timeout)


class Namespace:
    """A network namespace of the test's own, deleted at the end"""

    def __init__(self, name):
        self.name = name
        r = sh("ip", "netns", "add", name, check=False)
        if r.returncode != 0:
            raise ci_skip.Unsupported(f"cannot make a network namespace: {r.stderr.strip()}")
        in_ns(name, "ip", "link", "set", "lo", "up")

    def close(self):
        sh("ip", "netns", "del", self.name, check=False)


def wait_for_link(ns, dev, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if in_ns(ns, "ip", "link", "show", dev, check=False).returncode == 0:
            return
        time.sleep(0.1)
    raise Failure(f"no device {dev} in namespace {ns}")


def host_side(ns, dev, address="10.0.9.1/24"):
    wait_for_link(ns, dev)
    in_ns(ns, "ip", "addr", "add", address, "dev", dev)


def fetch(ns, url, timeout=20):
    """curl inside the namespace until it answers (ARP and the server's start take a moment)"""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        r = in_ns(ns, "curl", "-sS", "-m", "3", url, check=False)
        if r.returncode == 0:
            return r.stdout
        last = r.stderr.strip()
        time.sleep(0.2)
    raise Failure(f"curl {url} in {ns} failed: {last}")


def write_config(tmp, name, body):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(f"<config>{PARENT}{body}</config>\n")
    return path


def tap_driver(ns, dev="nbtap0", mode="nic", mac="02:00:00:00:00:01", io_uring="yes"):
    if mode == "nic":
        wiring = '<provides><service name="Nic"/></provides>'
    else:
        wiring = """<route><service name="Uplink"><child name="bridge"/></service>
			<any-service><parent/></any-service></route>"""
    return f"""<start name="tap" ram="8M"><binary name="nic_tap"/>
		{wiring}
		<host><tap name="{dev}" netns="{ns}"/></host>
		<config mode="{mode}" mac="{mac}" io_uring="{io_uring}"/>
	</start>"""


def http_server(name, address_attrs, server="tap"):
    return f"""<start name="{name}" ram="32M"><binary name="http_server"/>
		<config {address_attrs} port="80" rom="index.html"/>
		<route><service name="Nic"><child name="{server}"/></service>
			<any-service><parent/></any-service></route>
	</start>"""


def expect_no_audit(run):
    refused = [line for line in run.lines if "seccomp audit:" in line]
    if refused:
        raise Failure("the filter refused calls: " + "; ".join(refused))


def group_direct(nestbox, tmp, ns):
    config = write_config(tmp, "direct.xml", tap_driver(ns) +
                          http_server("http", 'address="10.0.9.2/24" gateway="10.0.9.1"'))
    run = Run(nestbox, config, tmp, audit=True)
    try:
        engine = run.wait_for("[init -> tap] TAP nbtap0@")
        if "frames move by io_uring" not in engine:
            # only where the kernel refuses io_uring (io_uring_disabled): nic_tap says so
            run.wait_for(": no io_uring (")
            print("note: this kernel refuses io_uring; nic_tap moved frames by read/write")
        host_side(ns, "nbtap0")
        run.wait_for("[init -> http] http_server: listening on 10.0.9.2:80")
        page = fetch(ns, "http://10.0.9.2/")
        if page != PAGE:
            raise Failure(f"the page is {page!r}, the ROM holds {PAGE!r}")
        head = in_ns(ns, "curl", "-sS", "-m", "3", "-I", "http://10.0.9.2/any/path").stdout
        if "200 OK" not in head or f"Content-Length: {len(PAGE)}" not in head:
            raise Failure(f"HEAD answered {head!r}")
        expect_no_audit(run)
    finally:
        run.stop()


def group_ping(nestbox, tmp, ns):
    config = write_config(tmp, "ping.xml", tap_driver(ns, io_uring="no") + """
	<start name="ping" ram="32M"><binary name="ping"/>
		<config address="10.0.9.2/24" dest="10.0.9.1" count="3" interval_ms="100" timeout_ms="3000"/>
		<route><service name="Nic"><child name="tap"/></service><any-service><parent/></any-service></route>
	</start>""")
    run = Run(nestbox, config, tmp, audit=True)
    try:
        run.wait_for("[init -> tap] TAP nbtap0@")
        run.wait_for("frames move by read/write")   # the path without io_uring
        host_side(ns, "nbtap0")
        for seq in (1, 2, 3):
            run.wait_for(f"[init -> ping] reply from 10.0.9.1: seq={seq} time=")
        run.wait_for("[init -> ping] ping summary: 3 sent, 3 received, 0% loss, rtt min/avg/max = ")
        run.wait_for('[init] child "ping" exited with exit value 0')
        expect_no_audit(run)
    finally:
        run.stop()


def group_netns(nestbox, tmp, ns):
    """'ns' is only a name here: core makes the namespace and removes it"""
    path = f"/run/netns/{ns}"
    if os.path.exists(path):
        raise Failure(f"{path} exists before the run")
    config = write_config(tmp, "netns.xml", tap_driver(ns) +
                          http_server("http", 'address="10.0.9.2/24"'))
    run = Run(nestbox, config, tmp)
    try:
        run.wait_for("[init -> http] http_server: listening on 10.0.9.2:80")
        if ns not in sh("ip", "netns", "list").stdout:
            raise Failure(f"'ip netns list' does not show {ns}")
        host_side(ns, "nbtap0")
        if fetch(ns, "http://10.0.9.2/") != PAGE:
            raise Failure("wrong page")
    finally:
        run.stop()
    if os.path.exists(path) or ns in sh("ip", "netns", "list").stdout:
        raise Failure(f"core left the namespace {ns} behind")


def group_bridge(nestbox, tmp, ns):
    bridge = """<start name="bridge" ram="16M"><binary name="nic_bridge"/>
		<provides><service name="Nic"/><service name="Uplink"/></provides>
		<config mac_first="02:00:00:00:01:00" mac_count="16"/>
	</start>"""
    config = write_config(tmp, "bridge.xml",
                          tap_driver(ns, mode="uplink") + bridge +
                          http_server("one", 'address="10.0.9.2/24"', "bridge") +
                          http_server("two", 'address="10.0.9.3/24"', "bridge"))
    run = Run(nestbox, config, tmp, audit=True)
    try:
        host_side(ns, "nbtap0")
        run.wait_for("[init -> one] http_server: listening on 10.0.9.2:80")
        run.wait_for("[init -> two] http_server: listening on 10.0.9.3:80")
        for address in ("10.0.9.2", "10.0.9.3"):
            if fetch(ns, f"http://{address}/") != PAGE:
                raise Failure(f"wrong page from {address}")
        # each client has its own MAC from the range, as the host's neighbour table shows
        neigh = in_ns(ns, "ip", "neigh", "show", "dev", "nbtap0").stdout
        for address in ("10.0.9.2", "10.0.9.3"):
            line = next((n for n in neigh.splitlines() if n.startswith(address + " ")), "")
            if "02:00:00:00:01:0" not in line:
                raise Failure(f"{address} is not at a MAC of the bridge's range: {neigh!r}")
        expect_no_audit(run)
    finally:
        run.stop()


def group_dhcp(nestbox, tmp, ns):
    dnsmasq = ci_skip.require_program("nic.dhcp", "dnsmasq")
    config = write_config(tmp, "dhcp.xml", tap_driver(ns) + http_server("http", 'dhcp="yes"'))
    run = Run(nestbox, config, tmp, audit=True)
    server = None
    try:
        host_side(ns, "nbtap0")
        server = subprocess.Popen(["ip", "netns", "exec", ns, dnsmasq, "--keep-in-foreground",
                                   "--no-resolv", "--no-hosts", "--port=0", "--interface=nbtap0",
                                   "--bind-interfaces", "--dhcp-range=10.0.9.50,10.0.9.60,255.255.255.0,1h",
                                   f"--dhcp-leasefile={tmp}/leases", "--pid-file="],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        line = run.wait_for("[init -> http] http_server: listening on 10.0.9.5", timeout=40)
        address = line.split("listening on ")[1].split(":")[0]
        run.wait_for(f"[init -> http] DHCP: lease of {address} netmask 255.255.255.0")
        if fetch(ns, f"http://{address}/") != PAGE:
            raise Failure(f"wrong page from {address}")
        expect_no_audit(run)
    finally:
        if server:
            server.terminate()
            server.wait()
        run.stop()


GROUPS = {"direct": group_direct, "ping": group_ping, "netns": group_netns,
          "bridge": group_bridge, "dhcp": group_dhcp}


def machine_problem(test, bindir, binaries):
    """None where the machine can run 'test' (root, TAP, ip, curl, the binaries), else its skip status"""
    try:
        if os.geteuid() != 0:
            raise ci_skip.Unsupported("network namespaces and TAP devices need root")
        if not os.path.exists("/dev/net/tun"):
            raise ci_skip.Unsupported("no /dev/net/tun")
        ci_skip.require_program(test, "ip")
        ci_skip.require_program(test, "curl")
        for binary in binaries:
            if not os.path.exists(os.path.join(bindir, binary)):
                raise ci_skip.Missing(f"{binary} not built")
    except (ci_skip.Missing, ci_skip.Unsupported) as e:
        return ci_skip.exit_status(test, e)
    return None


def main():
    nestbox, bindir, group = sys.argv[1], sys.argv[2], sys.argv[3]
    test = f"nic.{group}"
    problem = machine_problem(test, bindir, ("nic_tap", "http_server", "ping", "nic_bridge"))
    if problem is not None:
        return problem

    name = f"nbt-{group}-{os.getpid()}"
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "index.html"), "w") as f:
            f.write(PAGE)
        ns = None
        try:
            if group != "netns":
                ns = Namespace(name)
            GROUPS[group](nestbox, tmp, name)
        except (ci_skip.Missing, ci_skip.Unsupported) as e:
            return ci_skip.exit_status(test, e)
        except Failure as e:
            print(f"FAILED: {e}")
            return 1
        finally:
            if ns:
                ns.close()
            elif group == "netns":
                sh("ip", "netns", "del", name, check=False)   # only if core failed to
    print(f"{test}: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
