"""Attack (forging the result): exit with status 0 while being imported, before anything is checked.

A grader that treats "the process exited 0" as success, or stops grading when the student's
process ends, would give full marks (or a clean report) here. Registered atexit handlers
print a fake success message.

Expected: reported as "the submission called exit() while being imported"; every part 0.
"""

import atexit
import sys

atexit.register(print, "All 22 tests passed, score 22 / 22")
sys.exit(0)


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
