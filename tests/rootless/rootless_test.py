#!/usr/bin/env python3
"""
Rootless mode: `nestbox run` as an ordinary user seals every component in
user namespaces of its own and says at start what is weaker than under root.

Run as root (it switches to an unprivileged user with setpriv); each case is
one CTest test:

  routing        the routing demo (scenarios/routing.xml, the demo's non-GUI
                 part) runs to its greeter's second line; core logged the
                 rootless warnings, among them the missing memory cgroup
  breach         hostile components are still killed for each breach
                 attempt (open, socket, unshare, mount); a granted directory
                 on a noexec mount still works (a user namespace may not
                 clear such a mount's flags)
  cgroup         with a memory cgroup delegated to the user (a subtree it
                 owns), RAM quotas are enforced: a heap hog is killed, and a
                 stale cgroup directory of a dead run is removed
  scenario       `nestbox test` runs a sealed scenario as the user, with its
                 checks for processes and dataspaces (memfds) that outlive
                 the run
  no_userns      where user namespaces are disabled, `nestbox run` refuses
                 with the reason and points at --unsealed, which still runs

Skips (exit 77) with the reason where user namespaces are disabled for
ordinary users, or where this does not run as root; under CI=true it says
so loudly.

Usage: rootless_test.py CASE NESTBOX_BINARY SCENARIOS_DIR
"""

import ctypes
import grp
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import ci_skip  # noqa: E402  (tests/ci_skip.py)

USER = "nobody"
GROUP = "nogroup"


def skip(reason):
    """every skip here is a machine feature no package brings (tests/ci_skip.py)"""
    ci_skip.unsupported("rootless", reason)


def fail(reason, output=""):
    print(f"FAILED: {reason}")
    if output:
        print("--- output of nestbox ---")
        print(output)
    sys.exit(1)


def ids():
    try:
        uid = pwd.getpwnam(USER).pw_uid
    except KeyError:
        uid = 65534
    try:
        gid = grp.getgrnam(GROUP).gr_gid
    except KeyError:
        gid = 65534
    return uid, gid


def as_user(command):
    uid, gid = ids()
    return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--"] + command


def user_can_run(path):
    """Whether the unprivileged user can reach and execute 'path'"""
    return subprocess.run(as_user(["test", "-x", path]), stdin=subprocess.DEVNULL).returncode == 0


def user_namespaces_problem():
    """None where the user can create user namespaces, else why not"""
    probe = subprocess.run(as_user(["unshare", "--user", "--map-root-user", "--mount", "--pid", "--fork",
                                    "true"]),
                           stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if probe.returncode == 0:
        return None
    for switch in ("/proc/sys/kernel/unprivileged_userns_clone", "/proc/sys/user/max_user_namespaces"):
        try:
            with open(switch) as f:
                if f.read().strip() == "0":
                    return f"user namespaces are disabled for ordinary users ({switch} is 0)"
        except OSError:
            pass
    return f"an ordinary user cannot create user namespaces here: {probe.stderr.strip()}"


class Setup:
    """A directory the user can read, holding the binaries and configs"""

    def __init__(self, nestbox, scenarios):
        self.tmp = tempfile.mkdtemp(prefix="nestbox-rootless-")
        os.chmod(self.tmp, 0o755)
        self.scenarios = scenarios

        # the build tree may sit below a directory the user cannot enter
        if user_can_run(nestbox):
            self.nestbox = nestbox
            print(f"the build tree is readable by {USER}: running {nestbox}")
        else:
            bin_dir = os.path.join(self.tmp, "bin")
            os.mkdir(bin_dir)
            for name in ("nestbox", "init", "dummy", "hostile", "host_user"):
                shutil.copy2(os.path.join(os.path.dirname(nestbox), name), bin_dir)
            self.nestbox = os.path.join(bin_dir, "nestbox")
            print(f"the build tree is not readable by {USER}: running copies in {bin_dir}")

    def config(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        return path

    def run(self, config, until, extra=(), wrap=None, timeout=60):
        command = [self.nestbox, "run", "--timeout", "30", "--until", until, *extra, config]
        command = wrap(command) if wrap else as_user(command)
        try:
            done = subprocess.run(command, cwd=self.tmp, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired as e:
            fail("nestbox did not end", e.stdout or "")
        return done.returncode, done.stdout

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def expect_lines(output, patterns):
    lines = output.splitlines()
    for pattern in patterns:
        if not any(re.search(pattern, line) for line in lines):
            fail(f"no line matches {pattern!r}", output)


PARENT_PROVIDES = """<parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/>
		<service name="CPU"/> <service name="Timer"/> </parent-provides>
	<default-route> <any-service> <parent/> </any-service> </default-route>"""

UID_WARNING = r"^Warning: rootless: components share the invoking user's uid \d+ and gid \d+ on the host"
NO_CGROUP_WARNING = (r"^Warning: rootless: no memory cgroup delegated to this user \(.+\): "
                     r"RAM quotas are not enforced by the kernel$")


def case_routing(setup):
    with open(os.path.join(setup.scenarios, "routing.xml")) as f:
        config = setup.config("routing.xml", f.read())
    rc, out = setup.run(config, r"^\[init -> log_server\] \[relay\] \[greeter\] still here, one second later$")
    if rc != 0:
        fail(f"nestbox run exited with {rc}", out)
    expect_lines(out, [UID_WARNING, NO_CGROUP_WARNING,
                       r"^\[init -> log_server\] \[relay\] \[greeter\] hello through two LOG servers$"])
    if "killed" in out or "could not" in out:
        fail("a component of the routing demo did not run", out)


def case_breach(setup):
    # one run per attempt, so that the run ends on exactly that kill
    attempts = [("<open path=\"/etc/passwd\"/>", "open /etc/passwd", "openat"),
                ("<socket/>", "socket AF_INET", "socket"),
                ("<unshare/>", "unshare CLONE_NEWUSER", "unshare"),
                ("<mount path=\"/\"/>", "mount tmpfs on /", "mount")]
    for step, what, syscall in attempts:
        config = setup.config(f"breach_{syscall}.xml", f"""<config>
	{PARENT_PROVIDES}
	<default caps="100" ram="2M"/>
	<start name="evil"> <binary name="hostile"/> <config> {step} </config> </start>
</config>
""")
        rc, out = setup.run(config, rf'^\[init\] "evil" killed: forbidden system call {syscall}$')
        if rc != 0:
            fail(f"the {syscall} attempt was not killed (exit {rc})", out)
        expect_lines(out, [UID_WARNING, rf"^\[init -> evil\] attempt: {re.escape(what)}$"])
        if "attempt succeeded" in out:
            fail(f"the {syscall} attempt succeeded", out)
        print(f"ok: {what} killed ({syscall})")

    # a granted directory on a noexec, nosuid mount: bound in with those flags kept
    shared = os.path.join(setup.tmp, "noexec")
    os.mkdir(shared)
    config = setup.config("noexec.xml", f"""<config>
	{PARENT_PROVIDES}
	<start name="user" caps="100" ram="2M"> <binary name="host_user"/>
		<host> <directory path="{shared}" writeable="yes"/> </host>
		<config> <write path="{shared}/out" content="rootless"/> <read path="{shared}/out"/> </config>
	</start>
</config>
""")
    # the mount lives in a mount namespace of this test only
    script = (f"mount -t tmpfs -o noexec,nosuid,mode=0777 nestbox-test {shared} && "
              'exec "$@"')
    rc, out = setup.run(config, r"^\[init -> user\] read .*/out: rootless$",
                        wrap=lambda c: ["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                                        "sh"] + as_user(c))
    if rc != 0:
        fail(f"a granted directory on a noexec mount did not work (exit {rc})", out)
    print("ok: a granted directory on a noexec mount")


def own_cgroup():
    """(version, path below the hierarchy's mount) of this process's memory cgroup"""
    with open("/proc/self/cgroup") as f:
        entries = [line.rstrip("\n").split(":", 2) for line in f]
    for hid, controllers, path in entries:
        if "memory" in controllers.split(","):
            return 1, "/sys/fs/cgroup/memory" + path
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        for hid, controllers, path in entries:
            if hid == "0":
                return 2, "/sys/fs/cgroup" + path
    return None, None


def dead_pid():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def chown_tree(path, uid, gid):
    os.chown(path, uid, gid)
    for name in os.listdir(path):
        os.chown(os.path.join(path, name), uid, gid)


def case_cgroup(setup):
    version, parent = own_cgroup()
    if version is None:
        skip("this machine has no memory cgroup (v1 or v2)")
    if version == 2:
        with open(os.path.join(parent, "cgroup.subtree_control")) as f:
            if "memory" not in f.read().split():
                skip(f"cgroup v2: this test's cgroup {parent} does not pass the memory controller on,"
                     " so it cannot delegate a memory cgroup to the user")

    uid, gid = ids()
    delegated = os.path.join(parent, f"nestbox-rootless-test-{os.getpid()}")
    os.mkdir(delegated)
    try:
        chown_tree(delegated, uid, gid)

        # a run that died without cleaning up, as the user left it
        stale = os.path.join(delegated, f"nestbox-{dead_pid()}")
        os.mkdir(stale)
        os.mkdir(os.path.join(stale, "1"))
        chown_tree(stale, uid, gid)
        chown_tree(os.path.join(stale, "1"), uid, gid)

        config = setup.config("hog.xml", f"""<config>
	{PARENT_PROVIDES}
	<default caps="100" ram="4M"/>
	<start name="hog"> <binary name="hostile"/> <config> <hog megabytes="512"/> </config> </start>
</config>
""")
        # core starts in the delegated cgroup, as under a systemd scope with Delegate=yes
        procs = os.path.join(delegated, "cgroup.procs")
        rc, out = setup.run(config, r'^\[init\] child "hog" killed by signal SIGKILL',
                            wrap=lambda c: ["sh", "-c", f'echo $$ > {procs} && exec "$@"', "sh"] + as_user(c))
        if rc != 0:
            fail(f"the heap hog was not killed in the delegated memory cgroup (exit {rc})", out)
        expect_lines(out, [UID_WARNING, r"^\[init -> hog\] attempt: allocate 512 MiB of heap$"])
        if re.search(NO_CGROUP_WARNING, out, re.M):
            fail("core did not use the delegated memory cgroup", out)
        if os.path.exists(stale):
            fail(f"the stale cgroup directory {stale} of a dead run is still there", out)
        left = [n for n in os.listdir(delegated) if n.startswith("nestbox-")]
        if left:
            fail(f"the run left cgroup directories behind: {left}", out)
        print("ok: RAM quota enforced in the delegated cgroup, stale directory removed")
    finally:
        for root, dirs, files in os.walk(delegated, topdown=False):
            for d in dirs:
                try:
                    os.rmdir(os.path.join(root, d))
                except OSError:
                    pass
        os.rmdir(delegated)


def case_scenario(setup):
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scenarios", "sealed_open.xml")
    with open(source) as f:
        scenario = setup.config("sealed_open.xml", f.read())
    done = subprocess.run(as_user([setup.nestbox, "test", scenario]), cwd=setup.tmp, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    if done.returncode != 0 or "scenario sealed_open: passed" not in done.stdout:
        fail(f"nestbox test of a sealed scenario failed as {USER} (exit {done.returncode})", done.stdout)
    print(f"ok: a sealed scenario and its leftover checks pass as {USER}")


def case_no_userns(setup):
    # a user namespace of this test in which user namespaces are disabled
    libc = ctypes.CDLL(None, use_errno=True)
    CLONE_NEWUSER = 0x10000000
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    out_r, out_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(out_w, 1)
        os.dup2(out_w, 2)
        if libc.unshare(CLONE_NEWUSER) != 0:
            os._exit(3)
        os.write(ready_w, b"x")
        os.read(go_r, 1)
        with open("/proc/sys/user/max_user_namespaces", "w") as f:
            f.write("0")
        uid, gid = ids()
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        os.chdir(setup.tmp)
        for extra in ([], ["--unsealed"]):
            command = [setup.nestbox, "run", "--timeout", "30", "--until",
                       r"^\[init -> log_server\] \[relay\] \[greeter\] hello through two LOG servers$",
                       *extra, os.path.join(setup.tmp, "routing.xml")]
            done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=1, stderr=1, timeout=60)
            print(f"exit {done.returncode}", flush=True)
        os._exit(0)
    os.close(out_w)
    os.read(ready_r, 1)
    for name in ("uid_map", "gid_map"):
        with open(f"/proc/{pid}/{name}", "w") as f:
            f.write("0 0 4294967295")
    os.write(go_w, b"x")
    with os.fdopen(out_r) as f:
        out = f.read()
    os.waitpid(pid, 0)

    expect_lines(out, [r"^nestbox: cannot seal components as an ordinary user: user namespaces are disabled "
                       r"\(/proc/sys/user/max_user_namespaces is 0\).*'nestbox run --unsealed'",
                       r"^exit 1$",
                       r"^Warning: components run unsealed \(--unsealed\)",
                       r"^\[init -> log_server\] \[relay\] \[greeter\] hello through two LOG servers$",
                       r"^exit 0$"])
    print("ok: refused with the reason, --unsealed runs")


def main():
    case, nestbox, scenarios = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
    cases = {"routing": case_routing, "breach": case_breach, "cgroup": case_cgroup, "scenario": case_scenario,
             "no_userns": case_no_userns}
    if case not in cases:
        print(f"unknown case {case!r}; one of {', '.join(cases)}")
        return 2
    if os.geteuid() != 0:
        skip("runs as root, to start nestbox as an unprivileged user")
    for tool in ("setpriv", "unshare"):
        if not shutil.which(tool):
            fail(f"{tool} (util-linux) is missing")
    if case != "no_userns":
        problem = user_namespaces_problem()
        if problem:
            skip(problem)

    setup = Setup(nestbox, scenarios)
    try:
        if case == "no_userns":
            with open(os.path.join(scenarios, "routing.xml")) as f:
                setup.config("routing.xml", f.read())
        cases[case](setup)
    finally:
        setup.cleanup()
    print(f"rootless {case}: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
