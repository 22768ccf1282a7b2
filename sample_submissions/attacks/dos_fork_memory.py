"""Attack (denial of service): multiply the memory limit by forking.

The address-space limit (RLIMIT_AS) is per process. The student forks a few children,
each of which fills 1.2 GB of real memory, and reports how much the sandbox held at once.
With the pids cgroup's 64 tasks this scales to about 64 x 2 GB, far beyond a grading
machine's RAM. (Capped at 4 children x 1.2 GB so that the test cannot exhaust the machine.)

Expected: the sandbox's processes together cannot hold more than its memory limit (2 GB);
every part 0.
"""

import os
import select
import time

import numpy as np

CHILDREN = 4
EACH = 1200 << 20


def bomb():
    read_fd, write_fd = os.pipe()
    pids = []
    for _ in range(CHILDREN):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                block = np.ones(EACH // 8)  # touched: real memory, not just address space
                os.write(write_fd, b"1" if block[-1] == 1.0 else b"")
                time.sleep(3)
            finally:
                os._exit(0)
        pids.append(pid)
    os.close(write_fd)
    held, deadline = 0, time.monotonic() + 8
    while held < len(pids) and time.monotonic() < deadline:
        if select.select([read_fd], [], [], 0.5)[0]:
            chunk = os.read(read_fd, 64)
            if not chunk:
                break
            held += len(chunk)
    os.close(read_fd)
    alive = sum(1 for pid in pids if os.waitpid(pid, os.WNOHANG) == (0, 0))
    held = min(held, alive)  # a child that filled its block and was then killed no longer holds it
    for pid in pids:
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except OSError:
            pass
    return held


_held = bomb()
print(f"held {_held * EACH / (1 << 30):.2f} GiB at once in {_held} child processes")


def forward(alpha, beta, x, y):
    return None


def backward(alpha, beta, x, y):
    return None


def chain_rule(dy_dx, dz_dy):
    return None


def d_Ax_dx(A, x):
    return None


def linear_regression(X, y):
    return None
