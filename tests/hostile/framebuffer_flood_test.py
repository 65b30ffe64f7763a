#!/usr/bin/env python3
"""A Framebuffer and Input client of vnc that floods it, reads no reply and takes no signal.

The system (vnc, gui, paint) serves a viewer. Then init's config gains
'flood' (src/test/flood, '<flood service="Framebuffer"/>'): it opens a
Framebuffer session on vnc, registers for mode and sync signals that it
never takes, and sends refreshes of the whole screen with blocking sends,
never reading a reply; then the same with an Input session ('pending'
queries, '<flood service="Input"/>'). vnc must stay responsive: the viewer
gets updates during the floods; vnc throttles each flooding channel
(logged once each) and disconnects it once its replies stayed unread for
5 s. When the flood has
exited, vnc holds what it held before it came: its descriptors are back at
their count, its memory near where it was.

    framebuffer_flood_test.py NESTBOX [--unsealed]
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "vnc"))
sys.path.insert(0, HERE)
import small_system  # noqa: E402
from vnc_clients_test import fds, rss, update, vnc_pid  # noqa: E402

FLOOD = """	<start name="flood" ram="2M">
		<config> <flood service="Framebuffer"/> <flood service="Input"/> <exit value="0"/> </config>
		<route>
			<service name="Framebuffer"> <child name="vnc"/> </service>
			<service name="Input">       <child name="vnc"/> </service>
			<any-service> <parent/> </any-service>
		</route>
	</start>
</config>
"""

BOUND_S = 30   # generous: catches what never comes, times nothing


def settled(pid, want, seconds):
    """vnc's descriptor count once it is 'want' (or the last seen after 'seconds')"""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and fds(pid) != want:
        time.sleep(0.1)
    return fds(pid)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__)
        sys.exit(2)
    with small_system.System("hostile_framebuffer_flood", args[0], "--unsealed" in sys.argv) as system:
        viewer, width, height = system.connect([0])
        update(system, viewer, width, height)
        pid = vnc_pid(system)
        fds_before, rss_before = fds(pid), rss(pid)

        # init rereads its config file: the flood joins the running system
        config = small_system.CONFIG.format(port=system.port, gui_verbose="no")
        path = os.path.join(system.tmp, "system.xml")
        with open(path + ".new", "w") as f:
            f.write(config[:config.rindex("</config>")] + FLOOD)
        os.replace(path + ".new", path)

        system.wait_for("[init -> flood] flood Framebuffer: started", BOUND_S)
        system.wait_for('client "flood" does not read its replies', BOUND_S)
        updates = 0
        while not any("flood Input: disconnected" in l for l in system.lines):
            update(system, viewer, width, height)   # served while the flood goes on
            updates += 1
            if updates > 100000:
                system.fail("the flood was never disconnected")
            time.sleep(0.05)
        system.wait_for("[init -> flood] flood Framebuffer: disconnected after", BOUND_S)
        system.wait_for("[init -> vnc] Warning: client \"flood\" disconnected", BOUND_S)
        system.wait_for('[init] child "flood" exited with exit value 0', BOUND_S)
        update(system, viewer, width, height)

        throttled = [l for l in system.lines if "does not read its replies" in l]
        if len(throttled) != 2:
            system.fail(f"the throttling was logged {len(throttled)} times, not once a channel:\n"
                        + "\n".join(throttled[:5]))
        fds_after = settled(pid, fds_before, 10)
        if fds_after != fds_before:
            system.fail(f"vnc holds {fds_after} descriptors after the flood, {fds_before} before")
        if rss(pid) > rss_before + (8 << 20):
            system.fail(f"vnc's memory grew with the flood: {rss_before >> 10} -> {rss(pid) >> 10} KiB")
        print(f"framebuffer and input floods: the viewer got {updates} updates during it; vnc's descriptors "
              f"{fds_before} -> {fds_after}, resident memory {rss_before >> 10} -> {rss(pid) >> 10} KiB")


if __name__ == "__main__":
    main()
