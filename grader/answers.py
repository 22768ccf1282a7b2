"""Turning a raw value from the sandbox into the one array a part grades, with a clear message when that fails.

This sits between the sandbox (which brings plain values back) and the checks (which judge arrays).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from .rubric.model import CallTarget, Function, Target
from .sandbox.protocol import Unsupported


@dataclass(frozen=True)
class Answer:
    """The graded array (float64), or why there is none (``problem``, plus traceback lines in ``details``).

    ``dtype`` is what the student returned before the conversion: "float64", "float32", "int64",
    "int" (a Python int)..., so that feedback can name a float32 or integer result."""

    value: np.ndarray | None
    problem: str = ""
    details: str = ""
    dtype: str = "float64"

    @property
    def is_low_precision(self) -> bool:
        return self.dtype in ("float32", "float16")


def select_output(raw: Any, function: Function | None, target: Target) -> Answer:
    """Pick the target's output (tuple position by name) and index out of ``raw``."""
    value = raw
    if function is not None and len(function.returns) > 1:
        names = [r.name for r in function.returns]
        items = _as_sequence(value, len(names))
        if items is None:
            return Answer(None, f"{function.name}() returned {describe(value)}; expected a tuple ({', '.join(names)})")
        if len(items) != len(names):
            return Answer(None, f"{function.name}() returned {len(items)} values; expected {len(names)} "
                                f"({', '.join(names)})")
        value = items[names.index(target.output)]  # a multi-output function's target is a CallTarget
    array = as_array(value)
    if array is None:
        return Answer(None, f"{_where(function, target)} is {describe(value)}, not a number or array")
    if target.index:
        try:
            array = np.asarray(array[tuple(target.index)], dtype=np.float64)
        except IndexError:
            return Answer(None, f"{_where(function, target)} has shape {array.shape}: "
                                f"it has no entry {list(target.index)}")
    return Answer(array, dtype=dtype_of(value))


_HINTS = (
    (("only 0-dimensional arrays can be converted", "only length-1 arrays can be converted",
      "only size-1 arrays can be converted"),
     "hint: float() or int() of an array: numpy 2 converts only 0-d arrays. Take .item() or index it: "
     "float(W @ z) where W @ z has shape (1,) is (W @ z).item() or (W @ z)[0]"),
    (("operands could not be broadcast together",),
     "hint: the shapes do not line up: print each operand's .shape; a (n,) vector and an (n, 1) column "
     "broadcast to an (n, n) matrix"),
    (("mismatch in its core dimension",),
     "hint: the inner dimensions of @ differ: check the order of the operands, or a missing or extra transpose"),
    (("only integers, slices", "arrays used as indices must be of integer"),
     "hint: an index or a class label must be an integer: int(y), or an array of dtype int"),
)


def error_answer(message: str, details: str) -> Answer:
    """An answer that failed, with a hint when the error is a known numpy trap."""
    hints = [hint for patterns, hint in _HINTS if any(p in message for p in patterns)]
    return Answer(None, message, "\n".join([details, *hints]).strip("\n"))


@functools.lru_cache(maxsize=64)
def _dtype_name(dtype: np.dtype) -> str:
    return dtype.name  # numpy builds the name anew each time: a cache saves it on every answer


def dtype_of(value: Any) -> str:
    """The name of the number type the student returned (before the conversion to float64)."""
    if isinstance(value, np.ndarray):
        return _dtype_name(value.dtype)
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, (tuple, list)) and value:
        names = {dtype_of(v) for v in value}
        return names.pop() if len(names) == 1 else "float64"
    return "float64"


def _as_sequence(value: Any, count: int) -> list | None:
    if isinstance(value, (tuple, list)):
        return list(value)
    if isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == count:
        return list(value)  # a list of equal-shaped outputs arrives stacked into one array
    return None


def as_array(value: Any) -> np.ndarray | None:
    """A float64 array for a number, an array, or a tuple/list of equal-shaped ones; None otherwise."""
    if isinstance(value, np.ndarray):
        return value.astype(np.float64, copy=False)
    if isinstance(value, (bool, str)) or value is None:
        return None
    if isinstance(value, (int, float, np.number)):
        return np.array(value, dtype=np.float64)
    if isinstance(value, (tuple, list)) and value:
        items = [as_array(v) for v in value]
        if all(i is not None for i in items) and len({i.shape for i in items}) == 1:
            return np.stack(items)
    return None


def describe(value: Any) -> str:
    """How a returned value looks, in words a student recognises."""
    if value is None:
        return "None (a missing `return`?)"
    if isinstance(value, Unsupported):
        return f"a {value.type_name}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} values"
    if isinstance(value, dict):
        return "a dict"
    if isinstance(value, (bool, str)):
        return f"a {type(value).__name__}"
    return "a number"


def _where(function: Function | None, target: Target) -> str:
    if function is None:
        return target.name
    if isinstance(target, CallTarget) and target.output is not None:
        return f"{function.name}() output '{target.output}'"
    return f"{function.name}()'s result"
