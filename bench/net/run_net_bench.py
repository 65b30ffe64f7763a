#!/usr/bin/env python3
"""
HTTP through nic_tap + nic_router to http_server (lwIP) against the same
requests through a veth pair and Linux's own NAT (nftables) to lighttpd,
in one run. Both paths go client namespace -> NAT -> server:

  nestbox  client ns (the TAP's host side, 10.0.9.1) -> nic_tap (uplink)
           -> nic_router (10.0.9.55, <tcp-forward> of ports 80 and 8080)
           -> http_server "small" (10.0.1.80) / "big" (10.0.1.81)
  Linux    client ns (10.0.19.1) -> veth -> router ns (10.0.19.55, nftables
           DNAT of ports 80 and 8080, forwarding) -> veth -> server ns
           (10.0.11.80): lighttpd serving the same two files

The client is ab (apache2-utils) in both, one connection at a time
(http_server serves one connection after the other; HTTP/1.0, a new
connection per request):

  http_request_rate   GET of a 28-byte page, requests/s
  http_throughput     GET of a 16 MiB file (ASCII; a ROM), MiB/s of bodies

Each measurement runs Linux and nestbox alternately, RUNS times for at
most SECONDS each (ab -t) and its number of requests, and the medians
count; a run with a request unanswered for STALL_S is tried again. Prints one JSON line each:
  {"name": …, "value": nestbox's, "unit": …, "baseline": Linux's, "ratio": …}

Everything happens in namespaces this script makes (named nbb-*-PID) and
deletes at the end; nothing touches the host's interfaces. The load average
goes to stderr: on a loaded machine the figures move a lot.

Usage: run_net_bench.py   (BUILD_DIR selects the build, default build)
Needs root, /dev/net/tun, ip (iproute2), nft (nftables), ab (apache2-utils)
and lighttpd (lighttpd).
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD_DIR", os.path.join(ROOT, "build"))
NESTBOX = os.path.join(BUILD, "bin", "nestbox")

# the namespaces, nestbox runs and configs of the networking tests
sys.path.insert(0, os.path.join(ROOT, "tests", "nic"))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import ci_skip  # noqa: E402
from nic_test import (PAGE, Failure, Namespace, Run, fetch, host_side, in_ns,  # noqa: E402
                      sh, write_config)

RUNS = int(os.environ.get("NET_BENCH_RUNS", "5"))
SECONDS = int(os.environ.get("NET_BENCH_SECONDS", "4"))
BIG = 16 << 20

# The router charges each connection from the host (a link, 256 bytes, kept
# for 2 x 15 s after the close) to nic_tap's Uplink session (uplink_quota):
# 32 MiB are 131,072 links, room for ~4,000 requests/s. Linux's conntrack
# keeps closed connections 120 s, up to nf_conntrack_max (262,144 here).
UPLINK_QUOTA = "32M"

# name, port, path, unit, requests per run (at most: ab -t SECONDS ends a run
# earlier). The request rate's runs are 1,000 requests: after 2,000 to 3,000
# connections in a row, one connection to http_server now and then gets no
# answer for good (docs/PERFORMANCE.md, "Networking"), and a run with it
# does not count.
MEASUREMENTS = [
    ("http_request_rate", 80, "/index.html", "requests/s", 1000),
    ("http_throughput", 8080, "/big.txt", "MiB/s", 1000000),
]


class Quiet_run(Run):
    """a nestbox run whose log is kept, not echoed: stdout carries only JSON lines"""

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.ended = True
            self.cond.notify_all()


class Stalled(Exception):
    pass


STALL_S = 10     # ab gives up on a request that gets no answer for this long
TRIES = 3        # a run with a stalled request is tried again this often


def ab(ns, url, size, requests):
    """ab in namespace 'ns' for SECONDS or 'requests', one connection at a time: (requests/s, MiB/s)"""
    for attempt in range(1, TRIES + 1):
        r = in_ns(ns, "ab", "-q", "-t", str(SECONDS), "-n", str(requests), "-c", "1", "-s", str(STALL_S),
                  url, check=False, timeout=SECONDS + STALL_S + 30)
        if "The timeout specified has expired" not in r.stderr or attempt == TRIES:
            break
        sys.stderr.write(f"net bench: {url}: a request got no answer for {STALL_S} s "
                         f"(try {attempt} of {TRIES}); this run does not count\n")
    out = r.stdout
    done = re.search(r"Complete requests:\s+(\d+)", out)
    failed = re.search(r"Failed requests:\s+(\d+)", out)
    taken = re.search(r"Time taken for tests:\s+([0-9.]+) seconds", out)
    if "The timeout specified has expired" in r.stderr:
        raise Stalled(f"ab {url}: in each of {TRIES} runs a request got no answer for {STALL_S} s")
    if r.returncode != 0 or not (done and failed and taken) or int(done.group(1)) == 0:
        raise Failure(f"ab {url} in {ns} failed ({r.returncode}): {r.stderr.strip() or out[-400:]}")
    if int(failed.group(1)):
        raise Failure(f"ab {url} in {ns}: {failed.group(1)} of {done.group(1)} requests failed")
    n, t = int(done.group(1)), float(taken.group(1))
    return n / t, n * size / t / (1 << 20)


# --- nestbox: nic_tap -> nic_router -> http_server -----------------------

def nestbox_config(tmp, ns):
    def server(name, address, rom):
        return f"""<start name="{name}" ram="96M"><binary name="http_server"/>
		<config address="{address}/24" gateway="10.0.1.1" port="80" rom="{rom}"/>
		<route><service name="Nic"><child name="router"/></service>
			<any-service><parent/></any-service></route>
	</start>"""
    return write_config(tmp, "net_bench.xml", f"""
	<start name="tap" ram="48M"><binary name="nic_tap"/>
		<route><service name="Uplink"><child name="router"/></service>
			<any-service><parent/></any-service></route>
		<host><tap name="nbtap0" netns="{ns}"/></host>
		<config mode="uplink" mac="02:00:00:00:00:01" uplink_quota="{UPLINK_QUOTA}"/>
	</start>
	<start name="router" ram="16M"><binary name="nic_router"/>
		<provides><service name="Nic"/><service name="Uplink"/></provides>
		<config>
			<policy label_prefix="tap" domain="uplink"/>
			<policy label_prefix="small" domain="servers"/>
			<policy label_prefix="big" domain="servers"/>
			<domain name="uplink" interface="10.0.9.55/24" gateway="10.0.9.1">
				<tcp-forward port="80" domain="servers" to="10.0.1.80" to_port="80"/>
				<tcp-forward port="8080" domain="servers" to="10.0.1.81" to_port="80"/>
			</domain>
			<domain name="servers" interface="10.0.1.1/24"/>
		</config>
	</start>
	{server("small", "10.0.1.80", "index.html")}
	{server("big", "10.0.1.81", "big.txt")}""")


# --- Linux: veth pairs, nftables DNAT in a router namespace, lighttpd ----

class Linux_path:
    def __init__(self, tmp, tag):
        self.namespaces, self.lighttpd = [], None
        try:
            self.client, self.router, self.server = (self._namespace(f"nbb-{role}-{tag}")
                                                     for role in ("lc", "lr", "ls"))
            self._set_up(tmp)
        except BaseException:
            self.close()
            raise

    def _namespace(self, name):
        ns = Namespace(name)
        self.namespaces.append(ns)
        return ns

    def _set_up(self, tmp):
        c, r, s = self.client.name, self.router.name, self.server.name
        sh("ip", "link", "add", "nbbc0", "netns", c, "type", "veth", "peer", "nbbr0", "netns", r)
        sh("ip", "link", "add", "nbbr1", "netns", r, "type", "veth", "peer", "nbbs0", "netns", s)
        for ns, dev, addr in ((c, "nbbc0", "10.0.19.1/24"), (r, "nbbr0", "10.0.19.55/24"),
                              (r, "nbbr1", "10.0.11.1/24"), (s, "nbbs0", "10.0.11.80/24")):
            in_ns(ns, "ip", "addr", "add", addr, "dev", dev)
            in_ns(ns, "ip", "link", "set", dev, "up")
        in_ns(s, "ip", "route", "add", "default", "via", "10.0.11.1")
        in_ns(r, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward")  # this namespace's own
        rules = os.path.join(tmp, "nat.nft")
        with open(rules, "w") as f:
            f.write("""table ip nbb_nat {
	chain prerouting {
		type nat hook prerouting priority dstnat;
		iifname "nbbr0" tcp dport 80 dnat to 10.0.11.80:80
		iifname "nbbr0" tcp dport 8080 dnat to 10.0.11.80:80
	}
}
""")
        in_ns(r, "nft", "-f", rules)

        conf = os.path.join(tmp, "lighttpd.conf")
        with open(conf, "w") as f:
            f.write(f"""server.document-root = "{tmp}/www"
server.bind = "10.0.11.80"
server.port = 80
server.errorlog = "{tmp}/lighttpd.log"
server.max-keep-alive-requests = 0
mimetype.assign = (".html" => "text/html", ".txt" => "text/plain")
""")
        self.lighttpd = subprocess.Popen(["ip", "netns", "exec", s, "lighttpd", "-D", "-f", conf],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def close(self):
        if self.lighttpd and self.lighttpd.poll() is None:
            self.lighttpd.terminate()
            try:
                self.lighttpd.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.lighttpd.kill()
                self.lighttpd.wait()
        for ns in self.namespaces:
            ns.close()


def check_programs():
    if os.geteuid() != 0:
        raise SystemExit("net bench: needs root (namespaces, TAP devices, sealed components)")
    if not os.path.exists("/dev/net/tun"):
        raise SystemExit("net bench: no /dev/net/tun")
    for program, package in (("ip", "iproute2"), ("nft", "nftables"), ("ab", "apache2-utils"),
                             ("lighttpd", "lighttpd")):
        if not shutil.which(program):
            raise SystemExit(f"net bench: {program} not installed (package {package})")
    for binary in ("nic_tap", "nic_router", "http_server"):
        if not os.path.exists(os.path.join(BUILD, "bin", binary)):
            raise SystemExit(f"net bench: {binary} not built in {BUILD}/bin")


def main():
    check_programs()
    tag = str(os.getpid())
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        www = os.path.join(tmp, "www")
        os.mkdir(www)
        line = b"nestbox network benchmark: the same bytes through both paths.....\n"
        big = (line * (BIG // len(line) + 1))[:BIG]
        for d in (tmp, www):
            with open(os.path.join(d, "index.html"), "w") as f:
                f.write(PAGE)
            with open(os.path.join(d, "big.txt"), "wb") as f:
                f.write(big)
        sizes = {"/index.html": len(PAGE), "/big.txt": BIG}

        ns = Namespace(f"nbb-nb-{tag}")
        linux, run = None, None
        try:
            linux = Linux_path(tmp, tag)
            run = Quiet_run(NESTBOX, nestbox_config(tmp, ns.name), tmp, timeout=600)
            host_side(ns.name, "nbtap0")
            run.wait_for("[init -> small] http_server: listening on 10.0.1.80:80", timeout=60)
            run.wait_for("[init -> big] http_server: listening on 10.0.1.81:80", timeout=60)
            ours_url = "http://10.0.9.55:{port}{path}"
            theirs_url = "http://10.0.19.55:{port}{path}"
            # both paths answer (ARP, the servers' start) before anything is timed
            for port, path in ((80, "/index.html"), (8080, "/big.txt")):
                for ns_name, url in ((ns.name, ours_url), (linux.client.name, theirs_url)):
                    body = fetch(ns_name, url.format(port=port, path=path), timeout=30)
                    if len(body) != sizes[path]:
                        raise Failure(f"{url.format(port=port, path=path)}: {len(body)} bytes, "
                                      f"expected {sizes[path]}")

            for name, port, path, unit, requests in MEASUREMENTS:
                load_before = os.getloadavg()[0]
                ours, theirs = [], []
                pick = 0 if unit == "requests/s" else 1
                try:
                    for _ in range(RUNS):
                        theirs.append(ab(linux.client.name, theirs_url.format(port=port, path=path),
                                         sizes[path], requests)[pick])
                        ours.append(ab(ns.name, ours_url.format(port=port, path=path), sizes[path],
                                       requests)[pick])
                except Stalled as e:
                    # a line without figures, and the next measurement
                    sys.stderr.write(f"net bench: {name}: {e}\n")
                    print(json.dumps({"name": f"{name}_vs_linux_nat", "value": None, "unit": unit,
                                      "baseline": None, "ratio": None, "error": str(e)}), flush=True)
                    continue
                v, b = statistics.median(ours), statistics.median(theirs)
                sys.stderr.write(f"net bench: {name}: nestbox {[round(x, 1) for x in ours]}, "
                                 f"Linux {[round(x, 1) for x in theirs]}; load average "
                                 f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after\n")
                print(json.dumps({"name": f"{name}_vs_linux_nat", "value": round(v, 1), "unit": unit,
                                  "baseline": round(b, 1), "ratio": round(v / b, 3)}), flush=True)
        except (Failure, ci_skip.Unsupported, subprocess.SubprocessError) as e:
            if run:
                sys.stderr.write("\n".join(run.lines[-30:]) + "\n")
            detail = getattr(e, "stderr", None)
            raise SystemExit(f"net bench: {e}" + (f": {detail.strip()}" if detail else ""))
        finally:
            if run:
                run.stop()
            if linux:
                linux.close()
            ns.close()


if __name__ == "__main__":
    main()
