"""Fair grades: a submission that guesses earns (almost) nothing on every shipped rubric.

Four do-nothing submissions are generated from each rubric's interface, as a student who
guesses would write them: zeros, ones or seeded random arrays of the right shapes, and
the first argument reshaped to the expected shape. None may score above 10 %.
"""

from __future__ import annotations

import pytest

import grader
from grader.rubric.loader import load_rubric
from grader.rubric.model import DimExpr, Function, Rubric

from helpers import RUBRICS

pytestmark = pytest.mark.sandbox

SHIPPED = sorted(RUBRICS.glob("*.yaml"))
KINDS = ("zeros", "ones", "random", "first argument")


def _dims_code(function: Function) -> list[str]:
    """Lines that read every dimension a return value needs off the arguments."""
    lines, known = [], set()
    for param in function.params:
        for axis, expr in enumerate(param.shape.dims):
            if expr.name and expr.name not in known:
                known.add(expr.name)
                lines.append(f"    {expr.name} = np.shape({param.name})[{axis}] - ({expr.offset})")
    return lines


def _shape_code(dims: tuple[DimExpr, ...]) -> str:
    entries = [str(d.offset) if d.name is None else f"{d.name} + ({d.offset})" for d in dims]
    return "(" + ", ".join(entries) + ("," if len(entries) == 1 else "") + ")"


def _value_code(kind: str, dims: tuple[DimExpr, ...], first: str | None) -> str:
    shape = _shape_code(dims)
    array = {"zeros": f"np.zeros({shape})", "ones": f"np.ones({shape})",
             "random": f"np.random.default_rng(0).normal(size={shape})",
             "first argument": f"np.resize(np.asarray({first}, dtype=float), {shape})" if first
             else f"np.zeros({shape})"}[kind]
    return f"float(np.asarray({array}).reshape(-1)[0])" if not dims else array


def do_nothing(rubric: Rubric, kind: str) -> str:
    """A submission defining the rubric's whole interface without computing anything."""
    lines = ["import numpy as np", ""]
    for function in rubric.functions.values():
        first = function.param_names[0] if function.params else None
        lines += [f"def {function.name}({', '.join(function.param_names)}):", *_dims_code(function)]
        values = [_value_code(kind, r.shape.dims, first) for r in function.returns]
        lines += [f"    return {', '.join(values)}", ""]
    for constant in rubric.constants.values():
        value = {"zeros": "0.0", "ones": "1.0", "random": "0.5", "first argument": "0.0"}[kind]
        lines.append(f"{constant.name} = np.full({_shape_code(constant.shape.dims)}, {value})"
                     if constant.shape.dims else f"{constant.name} = {value}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("rubric_path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_a_submission_that_guesses_earns_at_most_a_tenth(rubric_path, tmp_path):
    rubric = load_rubric(rubric_path)
    shares = {}
    with grader.Grader(rubric_path) as g:
        for kind in KINDS:
            path = tmp_path / f"{kind.replace(' ', '_')}.py"
            path.write_text(do_nothing(rubric, kind))
            result = g.grade(path)
            assert isinstance(result, grader.GradeResult), result
            assert not result.problem, result.problem  # it imports and defines everything
            shares[kind] = result.score / result.max_score
    assert all(share <= 0.10 for share in shares.values()), shares


UNCOVERED = """
title: uncovered
reference: ref.py
seed: 1
interface:
  functions:
    f: {params: {x: {shape: [2]}}, returns: {y: {shape: [2]}}}
    g: {params: {x: {shape: [2]}}, returns: {y: {shape: [2]}}EXEMPT}
questions:
  - id: "1"
    title: q
    parts:
      - {id: a, title: f, points: 1, call: f, checks: [{reference: {}}]}
      - {id: b, title: g, points: 1, claim: {kind: gradient_shapes, call: g, outputs: {x: y}}}
"""


@pytest.mark.parametrize("exempt", [False, True])
def test_grade_check_refuses_a_function_never_compared_with_the_reference(tmp_path, exempt):
    from helpers import run_grade

    course = tmp_path / "rubrics"
    course.mkdir()
    (course / "ref.py").write_text("def f(x):\n    return 2 * x\n\n\ndef g(x):\n    return x\n")
    text = UNCOVERED.replace("EXEMPT", ', exempt_from_reference: "its shape is the whole question"' if exempt else "")
    (course / "r.yaml").write_text(text)
    result = run_grade("check", course / "r.yaml", env={"COLUMNS": "400"})
    message = "g() is never compared with the reference on random cases"
    if exempt:
        assert message not in result.stdout and result.returncode == 0, result.stdout
    else:
        assert message in result.stdout and "r.yaml:8: interface.functions.g" in result.stdout and result.returncode == 1
