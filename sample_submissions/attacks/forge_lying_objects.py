"""Attack (forging the result): return objects that claim to equal anything.

An ndarray subclass whose __eq__ / __array_function__ / __array_ufunc__ always agree, an
object with __array__ and __eq__, a float subclass equal to everything, object arrays,
structured and complex arrays, a generator, a self-containing list, a masked array that
hides its values. A grader that compared with == or np.allclose on the student's objects,
or unpickled them, would be fooled.

Expected: only plain numeric arrays come back (as float64 copies); everything else is an
unsupported value; none has the right shape and value; every part 0.
"""

import numpy as np


class Agreeable(np.ndarray):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __array_function__(self, func, types, args, kwargs):
        return True

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.True_


class Chameleon:
    shape = ()

    def __array__(self, dtype=None, copy=None):
        return np.array(7.0)

    def __eq__(self, other):
        return True

    def __float__(self):
        return 7.0

    def __len__(self):
        return 10 ** 9


class AlwaysEqual(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


def _liar():
    return np.zeros(1).view(Agreeable)


def _loop():
    items = []
    items.append(items)
    return items


def forward(alpha, beta, x, y):
    return _liar(), np.array([Chameleon()], dtype=object), Chameleon(), AlwaysEqual(-1.0e9)  # a, z, y_hat, loss


def backward(alpha, beta, x, y):
    return (n for n in range(3)), np.ma.masked_all((1,))


def chain_rule(dy_dx, dz_dy):
    return np.zeros(1, dtype=[("a", float), ("b", float)])


def d_Ax_dx(A, x):
    return np.ones(1, dtype=complex) * 1j


def linear_regression(X, y):
    return _loop()
