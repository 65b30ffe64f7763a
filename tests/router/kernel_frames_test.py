#!/usr/bin/env python3
"""
The protocol library against frames a real peer sends: Linux's own stack.

In a network namespace of its own, the test makes a TAP device with an
address and a static neighbour, and makes the kernel send an ARP request,
an ICMP echo request, a UDP datagram, a TCP SYN and a DHCP discover (its
UDP/IP/Ethernet headers the kernel's, the DHCP payload ours) out of it.
It reads the frames from the TAP and has frame_dump parse each: every one
must parse, with the addresses and ports that were sent. IPv6 frames the
kernel sends on its own must be dropped as 'eth_type', nothing else.

Needs root and /dev/net/tun (exit 77: skipped otherwise).
"""
import fcntl, os, select, socket, struct, subprocess, sys, tempfile, time

TAP, HOST, PEER, PEER_MAC, NOBODY = "nbtap0", "10.77.0.1", "10.77.0.2", "02:00:00:00:00:02", "10.77.0.3"

def inner(dump):
    tun = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    IFF_TAP, IFF_NO_PI, TUNSETIFF = 0x0002, 0x1000, 0x400454ca
    fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", TAP.encode(), IFF_TAP | IFF_NO_PI))
    for cmd in (["ip", "link", "set", "lo", "up"],
                ["ip", "link", "set", TAP, "up"],
                ["ip", "addr", "add", HOST + "/24", "dev", TAP],
                ["ip", "neigh", "add", PEER, "lladdr", PEER_MAC, "dev", TAP]):
        subprocess.run(cmd, check=True)

    icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    echo = struct.pack("!BBHHH", 8, 0, 0, 0x4242, 1) + b"nestbox"
    padded = echo + b"\0" * (len(echo) % 2)
    s = sum(struct.unpack("!%dH" % (len(padded) // 2), padded))
    s = (s & 0xffff) + (s >> 16); s = (s & 0xffff) + (s >> 16)
    icmp.sendto(echo[:2] + struct.pack("!H", ~s & 0xffff) + echo[4:], (PEER, 0))

    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.sendto(b"hello router", (PEER, 5000))
    udp.sendto(b"who", (NOBODY, 5000))          # no neighbour: an ARP request

    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setblocking(False)
    try: tcp.connect((PEER, 80))
    except BlockingIOError: pass

    dhcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dhcp.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    dhcp.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, TAP.encode())
    dhcp.bind(("", 68))
    discover = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", 1, 1, 6, 0, 0xbeef, 0, 0x8000,
                           bytes(4), bytes(4), bytes(4), bytes(4), bytes.fromhex("020000000009") + bytes(10),
                           bytes(64), bytes(128), 0x63825363) + bytes([53, 1, 1, 55, 2, 1, 3, 255])
    dhcp.sendto(discover, ("255.255.255.255", 67))

    # collect until each kind came (or a generous deadline: not a timing assertion)
    frames, deadline = [], time.monotonic() + 10
    while time.monotonic() < deadline and len(frames) < 64:
        ready, _, _ = select.select([tun], [], [], 0.2)
        if ready:
            frames.append(os.read(tun, 65536))
        kinds = {f[12:14] for f in frames}
        if b"\x08\x06" in kinds and sum(1 for f in frames if f[12:14] == b"\x08\x00") >= 4:
            break
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i, f in enumerate(frames):
            p = os.path.join(d, "frame%02d" % i)
            open(p, "wb").write(f)
            paths.append(p)
        out = subprocess.run([dump] + paths, capture_output=True, text=True, check=True).stdout
    return [line.split(" ", 1)[1] for line in out.splitlines()]

def main():
    dump = sys.argv[1]
    if len(sys.argv) > 2 and sys.argv[2] == "--inner":
        lines = inner(dump)
        print("\n".join(lines))
        expected = [
            "ok arp op=1 sender=%s target=%s" % (HOST, NOBODY),
            "ok icmp %s>%s type=8 id=16962" % (HOST, PEER),
            "ok udp %s:" % HOST,
            "ok tcp %s:" % HOST,
            "ok dhcp type=1 xid=48879",
        ]
        missing = [e for e in expected if not any(l.startswith(e) for l in lines)]
        bad = [l for l in lines if not l.startswith("ok") and l != "drop eth_type"]
        if not any(l.startswith("ok udp") and l.endswith(">%s:5000 len=12" % PEER) for l in lines):
            missing.append("udp to %s:5000 with 12 bytes" % PEER)
        if not any(l.startswith("ok tcp") and l.endswith(">%s:80 flags=2" % PEER) for l in lines):
            missing.append("tcp SYN to %s:80" % PEER)
        if missing or bad:
            print("FAIL: missing %s, unexpected %s" % (missing, bad))
            return 1
        print("PASS: %d frames from the kernel parsed" % len(lines))
        return 0
    if os.geteuid() != 0 or not os.path.exists("/dev/net/tun"):
        print("SKIP: needs root and /dev/net/tun")
        return 77
    r = subprocess.run(["unshare", "--net", sys.executable, __file__, dump, "--inner"])
    return r.returncode

if __name__ == "__main__":
    sys.exit(main())
