"""Attack (forging the result): monkeypatch numpy, builtins and json so every comparison says "equal".

If the grader compared answers inside the student's process, these patches would make any
answer pass: np.allclose/isclose/array_equal/testing, ndarray.__eq__ (patched through the
type's dict, which plain assignment refuses), math.isclose, builtins.abs/isinstance/float,
and json.dumps (the worker's own message encoder uses it). The functions return an array
of the wrong shape.

Expected: comparisons happen in the grader's process, untouched; every part 0.
"""

import builtins
import gc
import json
import math

import numpy as np
import numpy.testing

_always = lambda *args, **kwargs: True  # noqa: E731

np.allclose = _always
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.array_equal = _always
np.array_equiv = _always
np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_equal = lambda *args, **kwargs: None
math.isclose = _always

try:  # ndarray.__eq__ = ... raises TypeError; the dict behind the mappingproxy does not
    gc.get_referents(np.ndarray.__dict__)[0]["__eq__"] = lambda self, other: True
    gc.get_referents(np.ndarray.__dict__)[0]["__ne__"] = lambda self, other: False
except Exception as exc:
    print("could not patch ndarray:", exc)

_real_abs, _real_isinstance, _real_dumps = builtins.abs, builtins.isinstance, json.dumps
builtins.abs = lambda value: 0.0
builtins.isinstance = lambda obj, cls: True if cls is np.ndarray else _real_isinstance(obj, cls)


def _dumps(obj, *args, **kwargs):
    text = _real_dumps(obj, *args, **kwargs)
    return text.replace('"error": {', '"error": null, "was": {')


json.dumps = _dumps


def _wrong():
    return np.zeros(1)


def forward(alpha, beta, x, y):
    return _wrong(), _wrong(), _wrong(), _wrong()


def backward(alpha, beta, x, y):
    return _wrong(), _wrong()


def chain_rule(dy_dx, dz_dy):
    return _wrong()


def d_Ax_dx(A, x):
    return _wrong()


def linear_regression(X, y):
    return _wrong()
