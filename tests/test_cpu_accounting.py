"""The benches' CPU accounting (openrcm_devtools.cpu) against real processes: a busy child's time shows in its
parent's tree, including after the child was reaped, and the local PostgreSQL server is found."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from openrcm_devtools.cpu import cpu_seconds, used_between

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs Linux /proc")

BURN = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"


def test_a_tree_counts_its_children_live_and_reaped():
    parent = subprocess.Popen([sys.executable, "-c",
                               "import subprocess, sys, time\n"
                               f"subprocess.run([sys.executable, '-c', {BURN!r}])\n"
                               "print('reaped', flush=True)\n"
                               "time.sleep(30)\n"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout.readline().strip() == "reaped"
        after = cpu_seconds({"parent": parent.pid, "gone": None})
        assert set(after) == {"parent"}  # a None root is left out
        assert after["parent"] >= 0.25  # the child's 0.3 s, counted after it exited
    finally:
        parent.kill()
        parent.wait()


def test_the_local_postgresql_server_is_found():
    reading = cpu_seconds({}, postgres=True)
    assert reading is not None and reading["postgresql"] > 0


def test_used_between_takes_the_trees_in_both_readings():
    assert used_between({"a": 1.0, "b": 2.0}, {"a": 1.5, "c": 9.0}) == {"a": 0.5}
    assert used_between(None, {"a": 1.0}) is None
