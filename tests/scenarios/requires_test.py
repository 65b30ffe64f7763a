#!/usr/bin/env python3
"""The scenario runner's requires="…": skipped exactly where the machine lacks it.

    requires_test.py NESTBOX

requires="i386_abi": this script probes the kernel's i386 system-call entry
itself (a forked child runs 'mov eax, 20 (getpid); int 0x80; ret' from an
executable page; without the entry it dies of SIGSEGV) and checks that
'nestbox test' runs the scenario where the entry exists and skips it (77),
saying why, where it does not; with CI=true the skip says "SKIPPED under CI".
requires="memory_cgroup": as root the scenario runs where core gets memory
cgroups; as an ordinary user (uid 65534) that may not create a cgroup where
nestbox runs, it is skipped with core's own reason, even though the machine
has the controller.
An unknown requirement is a malformed scenario (2) that lists the known ones.
"""

import ctypes
import mmap
import os
import signal
import subprocess
import sys
import tempfile

SCENARIO = """<scenario timeout="10" requires="{requires}">
	<init_config>
		<parent-provides>
			<service name="LOG"/> <service name="ROM"/> <service name="PD"/>
			<service name="CPU"/> <service name="Timer"/>
		</parent-provides>
		<default-route> <any-service> <parent/> </any-service> </default-route>
		<default caps="100" ram="1M"/>
		<start name="hello">
			<binary name="dummy"/>
			<config> <log string="hello"/> <sleep_forever/> </config>
		</start>
	</init_config>
	<expect_log string="[init -> hello] hello"/>
</scenario>
"""

failures = []


def kernel_has_i386_entry():
    code = bytes([0xb8, 0x14, 0x00, 0x00, 0x00,   # mov eax, 20 (i386 getpid)
                  0xcd, 0x80,                     # int 0x80
                  0xc3])                          # ret
    page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(code)
    call = ctypes.CFUNCTYPE(ctypes.c_long)(ctypes.addressof(ctypes.c_char.from_buffer(page)))
    child = os.fork()
    if child == 0:
        os._exit(0 if call() & 0xffffffff == os.getpid() else 1)
    _, status = os.waitpid(child, 0)
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSEGV:
        return False
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


NOBODY = 65534


def as_nobody():
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def nobody_may_create_cgroup():
    """Whether uid 65534 could make a memory cgroup where this process is"""
    with open("/proc/self/cgroup") as f:
        lines = f.read().splitlines()
    dirs = []
    for line in lines:
        ident, controllers, path = line.split(":", 2)
        if ident == "0" and not controllers:
            dirs.append("/sys/fs/cgroup" + path)
        elif "memory" in controllers.split(","):
            dirs.append("/sys/fs/cgroup/memory" + path)
    child = os.fork()
    if child == 0:
        as_nobody()
        for d in dirs:
            try:
                os.mkdir(os.path.join(d, f"requires-probe-{os.getpid()}"))
                os.rmdir(os.path.join(d, f"requires-probe-{os.getpid()}"))
                os._exit(0)
            except OSError:
                pass
        os._exit(1)
    _, status = os.waitpid(child, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def expect(what, nestbox, path, ci, status, text, user=None):
    env = dict(os.environ)
    env.pop("CI", None)
    if ci:
        env["CI"] = "true"
    r = subprocess.run([nestbox, "test", path], env=env, capture_output=True, text=True, timeout=60,
                       preexec_fn=user)
    out = r.stdout + r.stderr
    ok = r.returncode == status and text in out
    print(f"requires: {'ok' if ok else 'FAILED'}: {what}: exit {r.returncode}")
    if not ok:
        print(f"  expected exit {status} and {text!r} in:\n{out}")
        failures.append(what)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    nestbox = sys.argv[1]
    present = kernel_has_i386_entry()
    print(f"requires: this kernel {'has' if present else 'has no'} i386 system-call entry")
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        os.chmod(tmp, 0o755)
        for requires in ("i386_abi", "memory_cgroup", "no_such_feature"):
            paths[requires] = os.path.join(tmp, f"{requires}.xml")
            with open(paths[requires], "w") as f:
                f.write(SCENARIO.format(requires=requires))
        if present:
            expect("i386_abi present: the scenario runs", nestbox, paths["i386_abi"], False, 0, "passed")
        else:
            expect("i386_abi absent: skipped, saying why", nestbox, paths["i386_abi"], False, 77,
                   "skipped: this kernel has no i386 system-call entry")
            expect("i386_abi absent under CI: skipped loudly", nestbox, paths["i386_abi"], True, 77,
                   "SKIPPED under CI: this kernel has no i386 system-call entry")
        if os.getuid() == 0 and not nobody_may_create_cgroup():
            expect("memory_cgroup as a user without a cgroup of its own: skipped with core's reason",
                   nestbox, paths["memory_cgroup"], False, 77, "skipped: core gets no memory cgroup here: ",
                   user=as_nobody)
        else:
            print("requires: memory_cgroup as uid 65534 not checked: not root, or uid 65534 may create cgroups here")
        expect("an unknown requirement is malformed", nestbox, paths["no_such_feature"], False, 2,
               "requires: unknown requirement (known: memory_cgroup, i386_abi)")
    if failures:
        print(f"requires: FAILED: {'; '.join(failures)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
