"""Comparing a student's array with an expected one, the way backprop checkers should.

Order matters: the exact shape first (no broadcasting, so ``[]`` never equals
``15.0`` and ``[3.]`` never equals ``[3, 3, 3]``), then finiteness, then
``|s - r| <= atol + rtol * |r|`` element-wise with the expected value ``r`` on the
right-hand side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..rubric.model import Tolerance


@dataclass(frozen=True)
class Comparison:
    """The verdict on one array, with what a student needs to see when it is wrong."""

    ok: bool
    problem: str = ""  # "" | "shape" | "non_finite" | "values"
    message: str = ""
    max_abs_error: float = 0.0
    max_rel_error: float = 0.0
    worst_index: tuple[int, ...] = ()


def compare(student: np.ndarray, expected: np.ndarray, tolerance: Tolerance) -> Comparison:
    student = np.asarray(student, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if student.shape != expected.shape:
        return Comparison(False, "shape", f"shape {student.shape}, expected {expected.shape}")
    bad = ~np.isfinite(student)
    if bad.any():
        names = sorted({"NaN" if np.isnan(v) else "inf" for v in student[bad]})
        return Comparison(False, "non_finite", f"{int(bad.sum())} of {student.size} entries are {'/'.join(names)}")
    excess = tolerance.excess(student, expected)
    if (excess <= 0).all():
        return Comparison(True)
    error = np.abs(student - expected)
    worst = np.unravel_index(int(np.argmax(excess)), error.shape) if error.ndim else ()
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        rel = error / np.abs(expected)
    wrong = int((excess > 0).sum())
    where = f" at index {tuple(int(i) for i in worst)}" if worst else ""
    message = (f"{wrong} of {error.size} entries differ; largest error {float(error.max()):.3g}{where} "
               f"(got {float(student[worst]):.6g}, expected {float(expected[worst]):.6g})")
    finite_rel = rel[np.isfinite(rel)]
    return Comparison(False, "values", message, float(error.max()), float(finite_rel.max()) if finite_rel.size else 0.0,
                      tuple(int(i) for i in worst))


def shorten(array: np.ndarray, limit: int = 60) -> str:
    """A one-line rendering of an array for feedback, cut to ``limit`` characters."""
    array = np.asarray(array)
    text = np.array2string(array, precision=5, separator=", ", max_line_width=10_000, threshold=12, edgeitems=2)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
