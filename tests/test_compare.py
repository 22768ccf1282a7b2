"""Comparison rules and output selection."""

from __future__ import annotations

import numpy as np
import pytest

from grader.answers import as_array, select_output
from grader.checks.compare import compare, shorten
from grader.rubric.model import CallTarget, Function, Shape, Tolerance, ValueSpec
from grader.sandbox.protocol import Unsupported

TOL = Tolerance(1e-6, 1e-9)


def test_shape_is_checked_before_values_no_broadcasting():
    assert not compare(np.array([]), np.array(15.0), TOL).ok
    result = compare(np.array([3.0]), np.array([3.0, 3.0, 3.0]), TOL)
    assert not result.ok and result.problem == "shape"
    assert not compare(np.ones((3, 1)), np.ones(3), TOL).ok


def test_non_finite_is_never_close():
    result = compare(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), TOL)
    assert not result.ok and result.problem == "non_finite" and "NaN" in result.message


def test_tolerance_uses_the_reference_scale():
    assert compare(np.array([1e6 + 0.5]), np.array([1e6]), TOL).ok
    assert not compare(np.array([1e6]), np.array([1e6 + 0.5]), Tolerance(1e-7, 0)).ok
    exact_zero = compare(np.array([1e-8]), np.array([0.0]), TOL)
    assert not exact_zero.ok


def test_worst_entry_is_reported():
    result = compare(np.array([[1.0, 2.0], [3.0, 9.0]]), np.array([[1.0, 2.0], [3.0, 4.0]]), TOL)
    assert result.worst_index == (1, 1) and result.max_abs_error == 5.0
    assert "1 of 4 entries differ" in result.message and "(1, 1)" in result.message


FN = Function("f", (), (ValueSpec("a", Shape(())), ValueSpec("b", Shape(()))))


def test_select_named_output_and_index():
    raw = (np.arange(4.0).reshape(2, 2), np.array(5.0))
    assert float(select_output(raw, FN, CallTarget("f", "b")).value) == 5.0
    assert float(select_output(raw, FN, CallTarget("f", "a", (1, 0))).value) == 2.0


@pytest.mark.parametrize("raw, fragment", [
    (np.array(1.0), "expected a tuple (a, b)"),
    ((1.0, 2.0, 3.0), "returned 3 values; expected 2"),
    (None, "expected a tuple"),
])
def test_select_explains_wrong_structure(raw, fragment):
    answer = select_output(raw, FN, CallTarget("f", "a"))
    assert answer.value is None and fragment in answer.problem


def test_select_explains_wrong_type_and_bad_index():
    answer = select_output((Unsupported("generator"), 1.0), FN, CallTarget("f", "a"))
    assert "a generator, not a number or array" in answer.problem
    answer = select_output((np.zeros(2), 1.0), FN, CallTarget("f", "a", (5,)))
    assert "has no entry [5]" in answer.problem


def test_as_array_stacks_equal_shaped_items_only():
    assert as_array([np.zeros(2), np.ones(2)]).shape == (2, 2)
    assert as_array([np.zeros(2), np.ones(3)]) is None
    assert as_array("12") is None and as_array(True) is None


def test_shorten():
    assert shorten(np.arange(100.0), 60) == "[ 0., 1., ..., 98., 99.]"
    assert shorten(np.arange(12.0).reshape(3, 4) * 1e-3, 30).endswith("…")
    assert len(shorten(np.arange(12.0).reshape(3, 4) * 1e-3, 30)) == 30
    assert shorten(np.array(2.5)) == "2.5"
