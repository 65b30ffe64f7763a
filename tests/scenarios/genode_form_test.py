#!/usr/bin/env python3
"""The scenario runner reads Genode's form of an init test.

    genode_form_test.py NESTBOX

* A <config> root is accepted like <scenario>; init then runs with the quota
  of Genode's test-init package (16M, 2000 caps), seen in the state report.
* <expect_warning string colored> matches the warning line string+colored.
* A stuck step fails after the step timeout (not the whole one), named by its
  number among the checks and its line: "step 3/3 (line N)".
* --keep-going runs the steps after a failed one and counts what passed.
"""

import os
import subprocess
import sys
import tempfile

CONFIG = """
	<init_config version="{version}">
		<parent-provides>
			<service name="LOG"/> <service name="ROM"/> <service name="PD"/>
			<service name="CPU"/> <service name="Timer"/> <service name="Report"/>
		</parent-provides>
		<default-route> <any-service> <parent/> </any-service> </default-route>
		<default caps="100" ram="1M"/>
		<report init_ram="yes" init_caps="yes" delay_ms="50"/>
		<start name="hello">
			<binary name="dummy"/>
			<config> <log string="hello"/> <sleep_forever/> </config>
		</start>
		<start name="big" ram="64M">
			<binary name="dummy"/>
			<config> <sleep_forever/> </config>
		</start>
	</init_config>"""

GENODE = """<config>
	<sleep ms="10"/>
	{config}
	<expect_warning string="[init] " colored="Warning: big: configured RAM exceeds available RAM, proceed with *"/>
	<expect_log string="[init -> hello] hello"/>
	<expect_init_state>
		<node name="ram"> <attribute name="quota" value="16M"/> </node>
		<node name="caps"> <attribute name="quota" value="2000"/> </node>
	</expect_init_state>
</config>
"""

STUCK = """<config step_timeout="1" timeout="60">
	{config}
	<expect_log string="[init -> hello] never"/>
	<expect_log string="[init -> hello] hello"/>
</config>
"""


def run(nestbox, text, *options):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "form.xml")
        with open(path, "w") as f:
            f.write(text)
        p = subprocess.run([nestbox, "test", *options, path], capture_output=True, text=True, timeout=120)
        return p.returncode, p.stdout + p.stderr


def main():
    nestbox = sys.argv[1]
    failures = []

    status, out = run(nestbox, GENODE.format(config=CONFIG.format(version="1")))
    if status != 0:
        failures.append(f"Genode's form: exit status {status}, expected 0:\n{out}")

    stuck = STUCK.format(config=CONFIG.format(version="1"))
    line = stuck[:stuck.index("never")].count("\n") + 1
    status, out = run(nestbox, stuck)
    if status != 1 or f"step 2/3 (line {line})" not in out or "step timeout after 1 s" not in out:
        failures.append(f"a stuck step: expected it named and timed out after 1 s:\n{out}")
    if "2 of 3" in out or "1 of 3 steps passed" not in out:
        failures.append(f"without --keep-going, the first failure ends the test:\n{out}")

    status, out = run(nestbox, stuck, "--keep-going")
    if status != 1 or "2 of 3 steps passed" not in out:
        failures.append(f"--keep-going: expected '2 of 3 steps passed' and exit status 1:\n{out}")

    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
