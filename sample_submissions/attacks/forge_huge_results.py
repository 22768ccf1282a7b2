"""Attack (forging the result / denial of service): return results too big for the grader.

Each function returns something huge: a 6-million-element array (48 MB, above the element
cap), a zero-stride broadcast view claiming 10^15 elements, a 100 MB string, a dict with a
million keys, tuples nested 100 000 deep. A grader that loaded results blindly would run
out of memory or time.

Expected: every such result is refused (size caps on the message and the arrays, depth and
item caps) without harming the grader; every part 0; the grading stays fast.
"""

import numpy as np


def _nested(depth):
    value = ()
    for _ in range(depth):
        value = (value,)
    return value


def forward(alpha, beta, x, y):
    return np.zeros((3000, 2000)), np.zeros(1), np.zeros(1), np.zeros(1)


def backward(alpha, beta, x, y):
    return np.broadcast_to(np.float64(1.0), (10 ** 8, 10 ** 7)), np.zeros(1)


def chain_rule(dy_dx, dz_dy):
    return "x" * (100 << 20)


def d_Ax_dx(A, x):
    return {str(i): i for i in range(10 ** 6)}


def linear_regression(X, y):
    return _nested(100_000)
