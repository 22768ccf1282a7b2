"""Attack (denial of service): never finish importing, and refuse to be interrupted.

SIGTERM, SIGINT and SIGHUP are ignored and KeyboardInterrupt is swallowed, so only a
SIGKILL or a CPU limit stops it.

Expected: "importing the submission timed out"; the grader kills the worker and reports
every part 0 within its time limits.
"""

import signal

for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU, signal.SIGALRM):
    signal.signal(signum, signal.SIG_IGN)

while True:
    try:
        while True:
            pass
    except BaseException:
        continue


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
