"""Attack (denial of service): crash the interpreter with a C stack overflow.

sys.setrecursionlimit(10**6) disables Python's own guard; the recursion then goes through
C (map(), repr() of a deeply nested list, json of a deeply nested dict, functools.reduce)
so that each level uses C stack until the process dies with SIGSEGV.

Expected: each call is reported as a crash of the submission's process; the next call gets
a fresh worker; the grader is unaffected; every part 0.
"""

import functools
import json
import sys

sys.setrecursionlimit(10 ** 6)


def _through_map(n):
    return list(map(_through_map, [n + 1]))


def _nested_list(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


def _nested_dict(depth):
    value = {}
    for _ in range(depth):
        value = {"k": value}
    return value


def _reduce(n):
    return functools.reduce(lambda acc, _: _reduce(acc + 1), [0], n)


def forward(alpha, beta, x, y):
    return _through_map(0)


def backward(alpha, beta, x, y):
    return repr(_nested_list(900_000))


def chain_rule(dy_dx, dz_dy):
    return json.dumps(_nested_dict(900_000))


def d_Ax_dx(A, x):
    return _reduce(0)


def linear_regression(X, y):
    return _through_map(0)
