"""Turning a raw value from the sandbox into the one array a part grades, with a clear message when that fails.

This sits between the sandbox (which brings plain values back) and the checks (which judge arrays).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .rubric.model import CallTarget, Function, Target
from .sandbox.protocol import Unsupported


@dataclass(frozen=True)
class Answer:
    """The graded array, or why there is none (``problem``, plus traceback lines in ``details``)."""

    value: np.ndarray | None
    problem: str = ""
    details: str = ""


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
    return Answer(array)


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
