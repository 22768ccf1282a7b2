"""Attack (denial of service): ignore every catchable signal, then spin forever in each call.

Imports normally (so the grader starts calling), then every function busy-loops with
SIGTERM, SIGINT, SIGHUP, SIGXCPU, SIGALRM and SIGUSR1/2 ignored and every exception swallowed.

Expected: each function times out after the rubric's call_timeout, the worker is killed
(SIGKILL cannot be ignored) and the grading ends within its limits; every part 0.
"""

import signal

IGNORED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU, signal.SIGALRM, signal.SIGUSR1,
           signal.SIGUSR2, signal.SIGQUIT, signal.SIGPIPE)
for signum in IGNORED:
    signal.signal(signum, signal.SIG_IGN)


def _spin():
    while True:
        try:
            while True:
                pass
        except BaseException:
            continue


def forward(alpha, beta, x, y):
    _spin()


def backward(alpha, beta, x, y):
    _spin()


def chain_rule(dy_dx, dz_dy):
    _spin()


def d_Ax_dx(A, x):
    _spin()


def linear_regression(X, y):
    _spin()
