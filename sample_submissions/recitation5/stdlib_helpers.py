"""Legit but unusual: standard-library imports, a helper class, closures, caching, a little printing.

Imports math, itertools, functools, collections, json, re, dataclasses, typing, warnings,
logging and tempfile; checks itself at import (numpy.testing) and saves a scratch file;
uses a dataclass, closures and lru_cache; prints a few lines; has a __main__ block that
must not run when graded. Must get full marks.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import itertools
import json
import logging
import math
import re
import tempfile
import warnings
from typing import Callable, NamedTuple

import numpy as np
from numpy.testing import assert_allclose

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
log = logging.getLogger("student")
warnings.simplefilter("ignore", RuntimeWarning)


class Forward(NamedTuple):
    a: np.ndarray
    z: np.ndarray
    y_hat: float
    loss: float


@dataclasses.dataclass(frozen=True)
class Layer:
    weights: np.ndarray

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        return self.weights @ with_intercept(inputs)


def with_intercept(v: np.ndarray) -> np.ndarray:
    return np.concatenate(([1.0], np.asarray(v, dtype=float)))


def make_activation(name: str) -> Callable[[np.ndarray], np.ndarray]:
    table = {"relu": lambda t: np.maximum(t, 0.0), "identity": lambda t: t}
    return table[name]


def make_loss(scale: float) -> Callable[[float, float], float]:
    def loss(prediction: float, target: float) -> float:
        return scale * math.pow(prediction - target, 2)
    return loss


relu = make_activation("relu")
squared = make_loss(0.5)
CALLS: collections.Counter = collections.Counter()


@functools.lru_cache(maxsize=None)
def identity(n: int) -> np.ndarray:
    out = np.zeros((n, n))
    for i, j in itertools.product(range(n), repeat=2):
        out[i, j] = 1.0 if i == j else 0.0
    out.setflags(write=False)
    return out


def forward(alpha, beta, x, y):
    CALLS["forward"] += 1
    a = Layer(alpha)(x)
    z = relu(a)
    y_hat = Layer(beta)(z).item()
    return tuple(Forward(a, z, y_hat, squared(y_hat, y)))


def backward(alpha, beta, x, y):
    CALLS["backward"] += 1
    result = Forward(*forward(alpha, beta, x, y))
    g = result.y_hat - y
    dbeta = g * with_intercept(result.z)[np.newaxis, :]
    dalpha = np.outer(g * beta[0, 1:] * (result.a > 0), with_intercept(x))
    return dbeta, dalpha


def chain_rule(dy_dx, dz_dy):
    return functools.reduce(np.matmul, [dy_dx, identity(dz_dy.shape[0]), dz_dy])


def d_Ax_dx(A, x):
    return np.array([[A[j, i] for j in range(A.shape[0])] for i in range(A.shape[1])])


def linear_regression(X, y):
    return np.linalg.solve(X.T @ X, X.T @ y)


# Self-check on the handout's numbers, as students like to leave in.
_alpha, _beta = np.array([[2.0, 1, 0], [0, 2, 0]]), np.array([[0.0, 1, 2]])
_a, _z, _y_hat, _loss = forward(_alpha, _beta, np.array([1.0, 2.0]), 3.0)
assert_allclose(_a, [3, 2])
assert math.isclose(_y_hat, 7) and math.isclose(_loss, 8)
_dbeta, _dalpha = backward(_alpha, _beta, np.array([1.0, 2.0]), 3.0)
assert_allclose(_dalpha, [[4, 4, 8], [8, 8, 16]])
with tempfile.NamedTemporaryFile("w+", suffix=".json", dir=".") as _scratch:
    json.dump({"dbeta": _dbeta.tolist()}, _scratch)
    _scratch.seek(0)
    assert json.load(_scratch)["dbeta"] == [[4.0, 12.0, 8.0]]
np.save("handout_dalpha.npy", _dalpha)
assert_allclose(np.load("handout_dalpha.npy"), _dalpha)
print("self-check passed:", re.sub(r"\s+", " ", json.dumps({"y_hat": _y_hat, "loss": _loss})))
log.info("handout example OK (%s)", dict(CALLS))


if __name__ == "__main__":  # never true when graded: the module is imported as "submission"
    raise SystemExit(input("press enter"))
