"""Attack (denial of service): block forever in every call without using any CPU.

A CPU-time limit never fires on a sleeping process: time.sleep(10**9), signal.pause(), an
Event that is never set, a blocking read of the request pipe, a lock acquired twice.

Expected: the wall-clock call timeout stops each function; every part 0 within the limits.
"""

import os
import signal
import threading
import time


def forward(alpha, beta, x, y):
    time.sleep(10 ** 9)


def backward(alpha, beta, x, y):
    signal.pause()


def chain_rule(dy_dx, dz_dy):
    threading.Event().wait()


def d_Ax_dx(A, x):
    os.read(3, 1)  # the request pipe: the grader sends nothing while it waits for this answer
    time.sleep(10 ** 9)


def linear_regression(X, y):
    lock = threading.Lock()
    lock.acquire()
    lock.acquire()
