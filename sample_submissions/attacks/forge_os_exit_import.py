"""Attack (forging the result): os._exit(0) at import, which no `except SystemExit` can catch.

The worker process vanishes with status 0 before it can say "ready".

Expected: graded as a submission whose process died while being imported; every part 0.
"""

import os
import sys

print("All 22 tests passed, score 22 / 22")
sys.stdout.flush()
os._exit(0)


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
