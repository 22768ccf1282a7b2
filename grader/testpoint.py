"""Named points where a test can stop a real ``grade`` run and send it a signal.

With ``GRADER_TEST_POINT=<name>`` in the environment, the run announces
``grader-test-point: <name>`` on stderr when it reaches that point, then waits (up to
a minute) for the test to signal it: a stop signal, or SIGUSR1 to go on. Tests use this instead of sleeping for a guessed
time. Points: ``imports`` (before the sub-command is imported), ``zygote`` (the zygote
process started, not yet ready), ``call`` (a student call is running), ``report``
(the result is about to be written). Without the variable this costs one lookup.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

VARIABLE = "GRADER_TEST_POINT"


def reached(name: str) -> None:
    if os.environ.get(VARIABLE) != name or threading.current_thread() is not threading.main_thread():
        return  # only the main thread pauses: it is the one a signal interrupts
    go_on = []
    signal.signal(signal.SIGUSR1, lambda *_: go_on.append(True))  # before announcing: the test may answer at once
    try:
        sys.stderr.write(f"grader-test-point: {name}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    deadline = time.monotonic() + 60
    while not go_on and time.monotonic() < deadline:
        time.sleep(0.05)
