"""Attack (denial of service): crash the worker from native code.

ctypes.string_at(0) (SIGSEGV), a write through a NULL pointer, a bus error on a truncated
mmap, an illegal instruction via SIGILL, and abort() (SIGABRT). A grader whose own process
ran this code, or that did not survive a dead worker, would go down.

Expected: each call is reported as a crash; fresh workers serve the next calls; every part 0.
"""

import ctypes
import mmap
import os
import signal


def forward(alpha, beta, x, y):
    return ctypes.string_at(0)


def backward(alpha, beta, x, y):
    ctypes.memset(0, 1, 64)


def chain_rule(dy_dx, dz_dy):
    fd = os.open(".", os.O_TMPFILE | os.O_RDWR)
    os.ftruncate(fd, 8192)
    area = mmap.mmap(fd, 8192)
    os.ftruncate(fd, 0)
    return area[5000]  # SIGBUS: the file behind the mapping is gone


def d_Ax_dx(A, x):
    signal.signal(signal.SIGILL, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGILL)
    return ctypes.string_at(1)


def linear_regression(X, y):
    os.abort()
