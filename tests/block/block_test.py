#!/usr/bin/env python3
"""
Block drivers against real disk images on the host.

Groups (one CTest test each):
  file        block_tester -> block_file on a 64 MiB image: a verified
              sequential pass and random requests at queue depth 32 through
              io_uring; the host then reads the image and finds the pattern
              where the tester wrote it
  gpt, mbr    an image that sfdisk partitioned into two; part_block serves
              each partition to its own tester (verify mode); the host finds
              each tester's pattern inside its partition, and the gap
              between the partitions untouched
  readonly    the file granted read-only: writes are refused with a logged
              reason, reads work
  crash       two testers on one block_file; one is removed from the config
              while its requests are in flight; the other finishes clean and
              the driver keeps serving

Usage: block_test.py NESTBOX GROUP
Exits 77 (skipped) when sfdisk is missing (package fdisk; under CI=true that
fails instead) or when not root.
"""

import os
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import ci_skip  # noqa: E402  (tests/ci_skip.py: skipped here, failed under CI)
from nestbox_run import Failure, Run  # noqa: E402

MASK = (1 << 64) - 1
SEED = 42


def pattern_word(seed, address):
    """block_tester's pattern (src/app/block_tester/pattern.h), written independently"""
    z = (seed + address * 0x9e3779b97f4a7c15) & MASK
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & MASK
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & MASK
    return z ^ (z >> 31)


PARENT = """<parent-provides><service name="LOG"/><service name="ROM"/><service name="PD"/>
	<service name="CPU"/><service name="Timer"/><service name="Report"/></parent-provides>
	<default-route><any-service><parent/></any-service></default-route>
	<default caps="100" ram="1M"/>"""


def tester(name, server, tests, queue_depth=32):
    return f"""<start name="{name}" ram="16M"><binary name="block_tester"/>
		<config queue_depth="{queue_depth}" buffer="4M"><tests>{tests}</tests></config>
		<route><service name="Block"><child name="{server}"/></service>
			<any-service><parent/></any-service></route>
	</start>"""


def block_file(image, writeable=True, policies='<default-policy writeable="yes"/>'):
    return f"""<start name="disk" ram="8M"><binary name="block_file"/>
		<provides><service name="Block"/></provides>
		<host><file path="{image}" writeable="{'yes' if writeable else 'no'}"/></host>
		<config>{policies}</config>
	</start>"""


def write_config(path, body):
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(f"<config>{PARENT}{body}</config>\n")
    os.replace(tmp, path)


def make_image(path, mib):
    with open(path, "wb") as f:
        f.truncate(mib << 20)
    os.chmod(path, 0o666)   # sealed components run as nobody


def check_pattern(image, device_offset, client_address, words=64):
    """the words at 'device_offset' of the image must be the pattern of 'client_address'"""
    with open(image, "rb") as f:
        f.seek(device_offset)
        data = f.read(words * 8)
    for i in range(words):
        (w,) = struct.unpack_from("<Q", data, i * 8)
        if w != pattern_word(SEED, client_address + i * 8):
            raise Failure(f"image offset {device_offset + i * 8}: {w:#x} is not the pattern of "
                          f"the client's address {client_address + i * 8}")


def check_zero(image, offset, length):
    with open(image, "rb") as f:
        f.seek(offset)
        if any(f.read(length)):
            raise Failure(f"image bytes {offset}..{offset + length} were written, though no partition holds them")


def expect_all_passed(run, name, count):
    run.wait_for(f"[init -> {name}] --- all tests finished: {count} passed, 0 failed ---", timeout=90)


def group_file(nestbox, tmp):
    image = os.path.join(tmp, "disk.img")
    make_image(image, 64)
    config = os.path.join(tmp, "file.xml")
    write_config(config, block_file(image) + tester("tester", "disk",
        '<sequential length="8M" size="64K" write="yes" verify="yes" batch="16"/>'
        '<random length="4M" size="4K" write_ratio="30" batch="32" seed="9"/>'))
    run = Run(nestbox, config)
    try:
        line = run.wait_for("blocks of 512 bytes, writeable")
        if "io_uring" not in line:
            raise Failure(f"block_file does not use io_uring here: {line}")
        expect_all_passed(run, "tester", 2)
    finally:
        run.stop()
    check_pattern(image, 0, 0)
    check_pattern(image, (8 << 20) - 512, (8 << 20) - 512)


def partitioned(nestbox, tmp, label):
    ci_skip.require_program(f"block.{label}", "sfdisk")
    image = os.path.join(tmp, "disk.img")
    make_image(image, 64)
    # two partitions of 20 MiB with a gap of 4 MiB between them
    layout = f"label: {label}\nstart=2048, size=40960, type=L\nstart=51200, size=40960, type=L\n"
    subprocess.run(["sfdisk", "--quiet", image], input=layout, text=True, check=True)

    config = os.path.join(tmp, "parts.xml")
    write_config(config, block_file(image) + """
	<start name="parts" ram="16M"><binary name="part_block"/>
		<provides><service name="Block"/></provides>
		<config>
			<policy label_prefix="one" partition="1" writeable="yes"/>
			<policy label_prefix="two" partition="2" writeable="yes"/>
		</config>
		<route><service name="Block"><child name="disk"/></service>
			<any-service><parent/></any-service></route>
	</start>""" + tester("one", "parts", '<sequential length="20M" size="128K" write="yes" verify="yes" batch="8"/>')
               + tester("two", "parts", '<sequential length="20M" size="64K" write="yes" verify="yes" batch="8"/>'))
    run = Run(nestbox, config)
    try:
        run.wait_for(f"[init -> parts] {label.upper() if label == 'gpt' else 'MBR'}, 2 partitions")
        run.wait_for("[init -> parts] partition 1: 40960 blocks from block 2048")
        run.wait_for("[init -> parts] partition 2: 40960 blocks from block 51200")
        expect_all_passed(run, "one", 1)
        expect_all_passed(run, "two", 1)
    finally:
        run.stop()
    for start in (2048, 51200):
        check_pattern(image, start * 512, 0)
        check_pattern(image, start * 512 + (20 << 20) - 512, (20 << 20) - 512)
    check_zero(image, (2048 + 40960) * 512, (51200 - 2048 - 40960) * 512)


def group_readonly(nestbox, tmp):
    image = os.path.join(tmp, "disk.img")
    make_image(image, 16)
    config = os.path.join(tmp, "ro.xml")
    write_config(config, block_file(image, writeable=False) + tester("tester", "disk",
        '<sequential length="1M" size="64K" batch="4"/>'
        '<sequential length="1M" size="64K" write="yes" batch="4"/>'))
    run = Run(nestbox, config)
    try:
        run.wait_for("read-only, ")
        run.wait_for("[init -> tester] --- test 1 finished: sequential (read,")
        run.wait_for('[init -> disk] Warning: Block session "tester": write refused: the device is read-only for this client')
        run.wait_for("[init -> tester] --- test 2 FAILED: sequential (write,")
    finally:
        run.stop()
    check_zero(image, 0, 1 << 20)


def group_crash(nestbox, tmp):
    image = os.path.join(tmp, "disk.img")
    make_image(image, 64)
    config = os.path.join(tmp, "crash.xml")
    victim = tester("victim", "disk", '<random length="1G" size="64K" write_ratio="50" batch="32"/>')
    survivor = tester("survivor", "disk",
        '<random length="64M" size="4K" write_ratio="50" batch="16" seed="3"/>'
        '<sequential start="100000" length="4M" size="64K" write="yes" verify="yes" batch="8"/>')
    write_config(config, block_file(image) + victim + survivor)
    run = Run(nestbox, config)
    try:
        run.wait_for("[init -> victim] --- start test 1")
        run.wait_for("[init -> survivor] --- start test 1")
        time.sleep(0.5)   # let both have requests in flight; not a timing assertion
        write_config(config, block_file(image) + survivor)
        expect_all_passed(run, "survivor", 2)
        if any("[init -> victim] --- all tests finished" in l for l in run.lines):
            raise Failure("the victim finished before it was removed: the test proves nothing")
        if any('child "disk" killed' in l or 'child "disk" exited' in l for l in run.lines):
            raise Failure("the driver died with its client")
    finally:
        run.stop()


GROUPS = {
    "file": group_file,
    "gpt": lambda n, t: partitioned(n, t, "gpt"),
    "mbr": lambda n, t: partitioned(n, t, "dos"),
    "readonly": group_readonly,
    "crash": group_crash,
}


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in GROUPS:
        print(__doc__)
        sys.exit(2)
    if os.geteuid() != 0:
        ci_skip.unsupported(f"block.{sys.argv[2]}", "sealed components need root")
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        try:
            GROUPS[sys.argv[2]](sys.argv[1], tmp)
        except Failure as e:
            print(f"FAILED: {e}")
            sys.exit(1)
    print("passed")


if __name__ == "__main__":
    main()
