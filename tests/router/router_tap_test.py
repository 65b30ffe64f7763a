#!/usr/bin/env python3
"""
nic_router between the host's kernel and components, in network namespaces
the test makes (tests/nic/nic_test.py's helpers: namespaces, nestbox runs,
curl inside the namespace).

nic_tap is the router's Uplink client; the TAP's host side is 10.0.9.1/24,
the router's uplink address 10.0.9.55. Groups (one CTest test each):

  forward   http_server gets its address by DHCP from the router's server
            of its domain (10.0.1.80); curl on the host side fetches the
            page from the router's address through <tcp-forward port="80">
  nat       ping (a component in a client domain, 10.0.3.100) pings the
            host's 10.0.9.1 through the router's ICMP NAT: every request
            answered
  links     nic_tap's uplink_quota pays for the router's links: 101
            connections in a row through the forward (each a link for 30 s
            after its close) where the session's overhead pays for 64; a
            malformed uplink_quota ends nic_tap with the reason
  reconfig  two http_servers behind forwards of ports 80 and 8080 (to their
            port 80); a new
            config drops the 8080 forward: 8080 is closed, 80 still serves,
            and no component restarts

Usage: router_tap_test.py NESTBOX BINDIR GROUP (exits 77 where the machine
cannot make namespaces or TAP devices; see tests/ci_skip.py)
"""

import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "nic"))
from nic_test import (PAGE, Failure, Namespace, Run, machine_problem, expect_no_audit, fetch,  # noqa: E402
                      host_side, in_ns, write_config)


def tap(ns, extra=""):
    return f"""<start name="tap" ram="8M"><binary name="nic_tap"/>
		<route><service name="Uplink"><child name="router"/></service>
			<any-service><parent/></any-service></route>
		<host><tap name="nbtap0" netns="{ns}"/></host>
		<config mode="uplink" mac="02:00:00:00:00:01" {extra}/>
	</start>"""


def router(forwards):
    rules = "".join(f'<tcp-forward port="{port}" domain="servers" to="{to}" to_port="80"/>'
                    for port, to in forwards)
    return f"""<start name="router" ram="16M"><binary name="nic_router"/>
		<provides><service name="Nic"/><service name="Uplink"/></provides>
		<config>
			<policy label_prefix="tap" domain="uplink"/>
			<policy label_prefix="one" domain="servers"/>
			<policy label_prefix="two" domain="servers"/>
			<policy label_prefix="ping" domain="clients"/>
			<domain name="uplink" interface="10.0.9.55/24" gateway="10.0.9.1">
				<nat domain="clients" icmp-ids="4"/>
				{rules}
			</domain>
			<domain name="servers" interface="10.0.1.1/24">
				<dhcp-server ip_first="10.0.1.80" ip_last="10.0.1.80"/>
			</domain>
			<domain name="clients" interface="10.0.3.1/24">
				<icmp dst="0.0.0.0/0" domain="uplink"/>
			</domain>
		</config>
	</start>"""


def http_server(name, address_attrs):
    return f"""<start name="{name}" ram="32M"><binary name="http_server"/>
		<config {address_attrs} port="80" rom="index.html"/>
		<route><service name="Nic"><child name="router"/></service>
			<any-service><parent/></any-service></route>
	</start>"""


def group_forward(nestbox, tmp, ns):
    config = write_config(tmp, "forward.xml", tap(ns) + router([(80, "10.0.1.80")]) +
                          http_server("one", 'dhcp="yes"'))
    run = Run(nestbox, config, tmp, audit=True)
    try:
        host_side(ns, "nbtap0")
        run.wait_for("[init -> one] http_server: listening on 10.0.1.80:80", timeout=40)
        if fetch(ns, "http://10.0.9.55/") != PAGE:
            raise Failure("wrong page through the forward")
        expect_no_audit(run)
    finally:
        run.stop()


def group_nat(nestbox, tmp, ns):
    ping = """<start name="ping" ram="32M"><binary name="ping"/>
		<config address="10.0.3.100/24" gateway="10.0.3.1" dest="10.0.9.1" count="3"
		        interval_ms="200" timeout_ms="3000"/>
		<route><service name="Nic"><child name="router"/></service><any-service><parent/></any-service></route>
	</start>"""
    config = write_config(tmp, "nat.xml", tap(ns) + router([]))
    run = Run(nestbox, config, tmp, audit=True)
    try:
        host_side(ns, "nbtap0")
        # ping joins only now: on a loaded machine its three requests could
        # otherwise all go out before the host side has its address
        os.replace(write_config(tmp, "nat.xml.new", tap(ns) + router([]) + ping), config)
        run.wait_for("[init -> ping] ping summary: 3 sent, 3 received, 0% loss", timeout=40)
        expect_no_audit(run)
    finally:
        run.stop()


def group_reconfig(nestbox, tmp, ns):
    servers = (http_server("one", 'address="10.0.1.80/24" gateway="10.0.1.1"') +
               http_server("two", 'address="10.0.1.81/24" gateway="10.0.1.1"'))
    both = [(80, "10.0.1.80"), (8080, "10.0.1.81")]
    config = write_config(tmp, "reconfig.xml", tap(ns) + router(both) + servers)
    run = Run(nestbox, config, tmp)
    try:
        host_side(ns, "nbtap0")
        run.wait_for("[init -> one] http_server: listening on 10.0.1.80:80")
        run.wait_for("[init -> two] http_server: listening on 10.0.1.81:80")
        for port in (80, 8080):
            if fetch(ns, f"http://10.0.9.55:{port}/") != PAGE:
                raise Failure(f"wrong page through the forward of {port}")

        # the same config without the forward of 8080, replaced as a whole
        write_config(tmp, "reconfig.new", tap(ns) + router(both[:1]) + servers)
        os.rename(os.path.join(tmp, "reconfig.new"), config)
        closed = False
        for _ in range(50):
            r = in_ns(ns, "curl", "-sS", "-m", "1", "http://10.0.9.55:8080/", check=False)
            if r.returncode != 0:
                closed = True
                break
        if not closed:
            raise Failure("port 8080 still forwarded after the new config")
        if fetch(ns, "http://10.0.9.55/") != PAGE:
            raise Failure("the forward of port 80 did not survive the new config")
        restarted = [line for line in run.lines if "[init]" in line and ("exited" in line or "restart" in line)]
        if restarted:
            raise Failure("components restarted: " + "; ".join(restarted))
    finally:
        run.stop()


def group_links(nestbox, tmp, ns):
    # nic_tap's uplink_quota="128K" pays for 512 links beyond the 64 the
    # session's overhead pays for; each connection through the forward is a
    # link for 30 s after its close, so 100 in a row need the extra quota
    config = write_config(tmp, "links.xml", tap(ns, 'uplink_quota="128K"') +
                          router([(80, "10.0.1.80")]) +
                          http_server("one", 'address="10.0.1.80/24" gateway="10.0.1.1"'))
    run = Run(nestbox, config, tmp)
    try:
        host_side(ns, "nbtap0")
        run.wait_for("[init -> one] http_server: listening on 10.0.1.80:80")
        fetch(ns, "http://10.0.9.55/")
        for i in range(100):
            r = in_ns(ns, "curl", "-sS", "-m", "5", "http://10.0.9.55/", check=False)
            if r.returncode != 0 or r.stdout != PAGE:
                raise Failure(f"connection {i + 2} through the forward failed: {r.stderr.strip()}")
        if any("frame dropped: quota" in line for line in run.lines):
            raise Failure("the router dropped frames for want of quota")
    finally:
        run.stop()

    # a malformed size ends nic_tap with the reason
    config = write_config(tmp, "links_bad.xml", tap(ns, 'uplink_quota="lots"') + router([]))
    run = Run(nestbox, config, tmp, timeout=20)
    try:
        run.wait_for('config: uplink_quota="lots" must be a size of at most 64M (like 1M)')
    finally:
        run.stop()


GROUPS = {"forward": group_forward, "nat": group_nat, "reconfig": group_reconfig,
          "links": group_links}


def main():
    nestbox, bindir, group = sys.argv[1], sys.argv[2], sys.argv[3]
    test = f"router.tap_{group}"
    problem = machine_problem(test, bindir, ("nic_tap", "nic_router", "http_server", "ping"))
    if problem is not None:
        return problem

    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "index.html"), "w") as f:
            f.write(PAGE)
        ns = Namespace(f"nbr-{group}-{os.getpid()}")
        try:
            GROUPS[group](nestbox, tmp, ns.name)
        except Failure as e:
            print(f"FAIL: {e}")
            return 1
        finally:
            ns.close()
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
