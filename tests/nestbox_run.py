"""'nestbox run' from a test script, its output collected line by line.

    run = Run(nestbox, config, timeout=60, extra_args=["--rom-dir", fonts])
    run.wait_for("[init -> out] done")      # a line with that text, or Failure
    run.stop()

Run prints every line as it comes (the test's log then holds the run's), and
wait_for finds a line seen before as well as one still to come. Failure is
what a test raises for a check that did not hold: the scripts catch it per
group and report it. demo_config(port) is scenarios/demo.xml with its display
on another port, for the tests that run the whole demo.
"""

import os
import subprocess
import threading
import time


class Failure(Exception):
    pass


class Run:
    def __init__(self, nestbox, config_path, timeout=60, extra_args=(), wait_timeout=60):
        self.lines = []
        self.wait_timeout = wait_timeout
        self.proc = subprocess.Popen([nestbox, "run", "--timeout", str(timeout), *extra_args, config_path],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.cond = threading.Condition()
        self.ended = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                print(line, end="", flush=True)
                self.cond.notify_all()
        with self.cond:
            self.ended = True
            self.cond.notify_all()

    def wait_for(self, text, timeout=None):
        """the first line that contains 'text', seen before or waited for"""
        deadline = time.monotonic() + (self.wait_timeout if timeout is None else timeout)
        with self.cond:
            while True:
                for line in self.lines:
                    if text in line:
                        return line
                left = deadline - time.monotonic()
                if self.ended or left <= 0:
                    raise Failure(f"no log line with {text!r}")
                self.cond.wait(min(left, 1))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


DEMO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scenarios", "demo.xml")


def demo_config(port, http_detect_ms=None):
    """scenarios/demo.xml with its display on 'port' (and, for a browser, a longer http_detect_ms)"""
    demo = open(DEMO).read()
    fb_config = '&lt;config width="1024" height="768"'
    if 'listen="5900"' not in demo or fb_config not in demo:
        raise Failure("scenarios/demo.xml no longer grants port 5900 to its display, or configures it as " + fb_config)
    if http_detect_ms is not None:
        demo = demo.replace(fb_config, fb_config + f' http_detect_ms="{http_detect_ms}"')
    return demo.replace('listen="5900"', f'listen="{port}"')
