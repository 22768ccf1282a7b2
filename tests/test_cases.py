"""Seeded cases: the same inputs on every run, distinct dimensions, handout dimensions read off the values."""

from __future__ import annotations

import numpy as np

from grader.cases import infer_dims, named_case, random_case, random_cases
from grader.rubric.loader import load_rubric

from helpers import RUBRICS

RUBRIC = load_rubric(RUBRICS / "recitation5.yaml")
FORWARD = RUBRIC.functions["forward"]


def test_random_cases_are_reproducible_and_independent_of_count():
    first = random_cases(RUBRIC, FORWARD, 5)
    again = random_cases(RUBRIC, FORWARD, 12)[:5]
    for a, b in zip(first, again):
        assert a.dims == b.dims
        for name in a.args:
            np.testing.assert_array_equal(a.args[name], b.args[name])


def test_cases_differ_from_each_other_and_between_functions():
    a, b = random_case(RUBRIC, FORWARD, 0), random_case(RUBRIC, FORWARD, 1)
    assert not np.array_equal(a.args["x"], b.args["x"]) or a.dims != b.dims
    other = random_case(RUBRIC, RUBRIC.functions["backward"], 0)
    assert not np.array_equal(a.args["alpha"], other.args["alpha"])


def test_dimensions_are_drawn_distinct_and_within_range():
    for k in range(30):
        case = random_case(RUBRIC, FORWARD, k)
        assert len(set(case.dims.values())) == len(case.dims)
        for name, value in case.dims.items():
            low, high = RUBRIC.dimensions[name]
            assert low <= value <= high
        assert case.args["alpha"].shape == (case.dims["h"], case.dims["d"] + 1)
        assert case.args["y"].shape == ()


def test_named_case_reads_its_dimensions():
    case = named_case(RUBRIC, FORWARD, "handout")
    assert case.dims == {"h": 2, "d": 2}
    assert case.args["alpha"].dtype == np.float64


def test_contradictory_dimensions_are_reported():
    args = {"alpha": np.zeros((2, 3)), "beta": np.zeros((1, 4)), "x": np.zeros(2), "y": np.zeros(())}
    try:
        infer_dims(FORWARD, args)
    except ValueError as exc:
        assert "contradicts h = 2" in str(exc)
    else:  # pragma: no cover - the assertion below documents the failure
        raise AssertionError("a contradiction went unnoticed")


def test_draw_kinds(write):
    write("ref.py", "def f(a, b, c):\n    return a\n")
    path = write("r.yaml", """
        title: draws
        reference: ref.py
        seed: 3
        dimensions: {n: [50, 60]}
        interface:
          functions:
            f:
              params:
                a: {shape: [n], draw: {choice: [0, 1]}}
                b: {shape: [n], draw: {uniform: [2, 3]}}
                c: {shape: [n], draw: {integers: [-2, 2]}}
              returns: {r: {shape: [n]}}
        questions:
          - {id: "1", title: t, parts: [{id: a, title: t, points: 1, call: f, checks: [{reference: {}}]}]}
        """)
    rubric = load_rubric(path)
    case = random_case(rubric, rubric.functions["f"], 0)
    assert set(np.unique(case.args["a"])) <= {0.0, 1.0}
    assert ((case.args["b"] >= 2) & (case.args["b"] <= 3)).all()
    assert set(np.unique(case.args["c"])) <= {-2.0, -1.0, 0.0, 1.0, 2.0}
