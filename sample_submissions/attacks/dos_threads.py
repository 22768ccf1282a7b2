"""Attack (denial of service): leave non-daemon threads running, so the worker can never exit cleanly.

At import and in every call it starts non-daemon threads that spin or sleep forever (and
catch everything). A worker that waited for its threads at shutdown, or a grader that
waited for the worker to exit by itself, would hang.

Expected: the grader does not wait for the threads; the worker is killed when its
submission is done; no process remains; every part 0.
"""

import threading
import time


def _spin():
    while True:
        try:
            sum(range(1000))
        except BaseException:
            pass


def _sleep():
    while True:
        try:
            time.sleep(3600)
        except BaseException:
            pass


def _start(count=4):
    for i in range(count):
        try:
            threading.Thread(target=_spin if i % 2 else _sleep, daemon=False).start()
        except RuntimeError:  # can't start new thread: the task limit
            return


_start()


def forward(alpha, beta, x, y):
    _start(1)
    return None


def backward(alpha, beta, x, y):
    _start(1)
    return None


def chain_rule(dy_dx, dz_dy):
    _start(1)
    return None


def d_Ax_dx(A, x):
    _start(1)
    return None


def linear_regression(X, y):
    _start(1)
    return None
