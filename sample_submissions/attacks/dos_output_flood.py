"""Attack (denial of service): write hundreds of megabytes to stdout and stderr.

300 MB through print(), then through os.write on fds 1 and 2 (and again in every call),
plus an attempt to make the captured output file sparse and enormous with ftruncate.
A grader that kept the student's output in memory or pasted it into the report would blow
up.

Expected: the output file-size limit stops the writes; the report shows only the first few
kilobytes ("… truncated"); the grader's memory and the report stay small; every part 0.
"""

import os
import sys

MB = 1 << 20
LINE = ("flood " * 170 + "\n").encode()  # ~1 KB


def flood(megabytes=300):
    block = LINE * 1024
    text = block.decode()
    for _ in range(megabytes):
        for write in (lambda: sys.stdout.write(text), lambda: os.write(1, block), lambda: os.write(2, block)):
            try:
                write()
            except OSError:
                pass
    for fd in (1, 2):
        try:
            os.ftruncate(fd, 1 << 40)
        except OSError:
            pass


flood()


def forward(alpha, beta, x, y):
    flood(20)
    return None


def backward(alpha, beta, x, y):
    flood(20)
    return None


def chain_rule(dy_dx, dz_dy):
    flood(20)
    return None


def d_Ax_dx(A, x):
    flood(20)
    return None


def linear_regression(X, y):
    flood(20)
    return None
