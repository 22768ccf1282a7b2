"""Attack (forging the result): end the worker with a "success" status inside the calls.

Each function ends the process differently: sys.exit(0), os._exit(0), exit() (SystemExit),
a SIGKILL to itself, abort(). A grader that mistook a clean exit for a passed test, or
stopped at the first dead worker, would be fooled.

Expected: each call reported as an exit or a crash; the worker is restarted for the next
call; every part 0.
"""

import os
import signal
import sys


def forward(alpha, beta, x, y):
    sys.exit(0)


def backward(alpha, beta, x, y):
    os._exit(0)


def chain_rule(dy_dx, dz_dy):
    exit(0)


def d_Ax_dx(A, x):
    os.kill(os.getpid(), signal.SIGKILL)
    return None  # reached when the worker is PID 1 of a namespace: SIGKILL from inside is ignored


def linear_regression(X, y):
    os.abort()
