"""Named points where a test can stop a real ``grade`` run and send it a signal.

With ``GRADER_TEST_POINT=<name>`` in the environment, the run announces
``grader-test-point: <name>`` on stderr when it reaches that point, then waits (up to
a minute) for the test to signal it. Tests use this instead of sleeping for a guessed
time. Points: ``imports`` (before the sub-command is imported), ``zygote`` (the zygote
process started, not yet ready), ``call`` (a student call is running), ``report``
(the result is about to be written). Without the variable this costs one lookup.
"""

from __future__ import annotations

import os
import sys
import time

VARIABLE = "GRADER_TEST_POINT"


def reached(name: str) -> None:
    if os.environ.get(VARIABLE) != name:
        return
    try:
        sys.stderr.write(f"grader-test-point: {name}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.05)
