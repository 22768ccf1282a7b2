"""The conftest guard: a test not marked ``sandbox`` cannot start a process, so ``-m 'not sandbox'`` starts none."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("start", [
    lambda: subprocess.run([sys.executable, "-c", "pass"]),
    lambda: os.fork(),
    lambda: os.posix_spawn(sys.executable, [sys.executable, "-c", "pass"], dict(os.environ)),
    lambda: multiprocessing.get_context("spawn").Process(target=print).start(),
], ids=["subprocess", "fork", "posix_spawn", "multiprocessing-spawn"])
def test_a_unit_test_cannot_start_a_process(start):
    with pytest.raises(AssertionError, match="unit test started a process: mark it sandbox"):
        start()


@pytest.mark.sandbox
def test_a_sandbox_test_may_start_one():
    assert subprocess.run([sys.executable, "-c", "pass"], timeout=60).returncode == 0
