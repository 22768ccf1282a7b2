"""grading.grade end to end with an in-process student and reference: scores, weights, notes (no process)."""

from __future__ import annotations

import numpy as np
import pytest

from grader.grading import grade
from grader.results import CheckResult, GradeResult, ReasonKind
from grader.rubric.errors import RubricError
from grader.sandbox.isolation import LayerStatus
from grader.sandbox.runner import StudentError

from fakes import FakeReference, FakeRunner

RUBRIC = """
title: Grading
reference: ref.py
seed: 13
dimensions: {d: [2, 4]}
interface:
  functions:
    double:
      params: {x: {shape: [d]}}
      returns: {y: {shape: [d]}}
    grad_x:
      params: {g: {shape: [d], upstream: "1/a"}, x: {shape: [d]}}
      returns: {dx: {shape: [d]}}
  constants:
    COUNT: {shape: []}
cases:
  handout: {x: [1, 2], g: [1, 1]}
questions:
  - id: "1"
    title: Forward
    parts:
      - {id: a, title: y = 2x, points: 2, call: double, case: handout,
         checks: [{shape: [d], weight: 1}, {value: [2, 4], weight: 3}, {reference: {random: 4}}],
         mistakes: [{function: double_negated, message: "The sign is flipped."}]}
      - {id: count, title: COUNT, points: 1, constant: COUNT, checks: [{value: 7}]}
  - id: "2"
    title: Backward
    parts:
      - {id: g, title: dx = 2g, points: 3, call: grad_x, case: handout, checks: [{reference: {random: 3}}]}
      - {id: shapes, title: shapes, points: 1, claim: {kind: gradient_shapes, call: grad_x, outputs: {x: dx}}}
"""

CORRECT = {"double": lambda x: 2 * x, "grad_x": lambda g, x: 2 * g}
REFERENCE = FakeReference({**CORRECT, "double_negated": lambda x: -2 * x}, {"COUNT": 7})


@pytest.fixture
def rubric(make_rubric):
    return make_rubric(RUBRIC)


def run(rubric, functions=None, constants=None, **runner_fields) -> tuple[GradeResult, FakeRunner]:
    runner = FakeRunner({**CORRECT, **(functions or {})}, {"COUNT": 7, **(constants or {})}, **runner_fields)
    return grade(rubric, REFERENCE, runner, "submission.py"), runner


def scores(result: GradeResult) -> dict[str, float]:
    return {p.name: p.score for p in result.parts()}


def test_a_correct_submission_gets_full_marks(rubric):
    result, runner = run(rubric, stdout="hello\n", stderr="careful\n")
    assert scores(result) == {"1/a": 2, "1/count": 1, "2/g": 3, "2/shapes": 1}
    assert result.score == result.max_score == 7
    assert all(p.status == "passed" and p.reasons() == [] and p.diagnoses == () for p in result.parts())
    assert [q.id for q in result.questions] == ["1", "2"]
    assert (result.submission, result.rubric, result.title) == ("submission.py", str(rubric.path), "Grading")
    assert (result.stdout, result.stderr, result.problem) == ("hello\n", "careful\n", "")
    assert runner.events[:2] == ["start", "import_error"]
    # each function's cases, then its first random case once more; the claim's 5 trials are a round of their own
    assert runner.calls_of == {"double": 1 + 4 + 1, "grad_x": 1 + 3 + 1 + 5}


def test_check_weights_shape_the_part_score(rubric):
    result, _ = run(rubric, {"double": lambda x: 3 * x})
    (part,) = [p for p in result.parts() if p.name == "1/a"]
    assert [(c.kind, c.score, c.weight) for c in part.checks] == [("shape", 1, 1), ("value", 0, 3), ("reference", 0, 1)]
    assert part.score == pytest.approx(2 * 1 / 5) and part.status == "partial"
    assert part.checks[1].summary == "got [3., 6.], expected [2., 4.] (on the handout case)"
    assert part.diagnoses == ("scaled",)
    assert scores(result)["2/g"] == 3  # other parts are unaffected


GATES = """
title: Gates
reference: ref.py
seed: 5
dimensions: {d: [2, 4]}
interface:
  functions:
    double: {params: {x: {shape: [d]}}, returns: {y: {shape: [d]}}}
cases:
  zero: {x: [0, 0]}
questions:
  - id: "1"
    title: Gates
    parts:
      - {id: shape, title: y = 2x, points: 2, call: double, checks: [{shape: [d]}, {reference: {random: 4}}]}
      - {id: zero, title: "y(0) = 0", points: 1, call: double, case: zero,
         checks: [{value: [0, 0]}, {reference: {random: 4}, weight: 0}]}
"""


@pytest.mark.parametrize("student, expected", [
    (lambda x: 2 * x, {"1/shape": 2, "1/zero": 1}),
    (lambda x: np.zeros_like(x), {"1/shape": 0, "1/zero": 0}),  # right shape, right at 0: nothing
    (lambda x: 3 * x, {"1/shape": 0, "1/zero": 0}),
])
def test_a_shape_check_is_a_gate_and_a_weight_0_check_gates_the_part(make_rubric, student, expected):
    rubric = make_rubric(GATES)
    result = grade(rubric, FakeReference({"double": lambda x: 2 * x}), FakeRunner({"double": student}), "s.py")
    assert scores(result) == expected
    (shape,) = [p for p in result.parts() if p.name == "1/shape"]
    assert shape.checks[0].weight == 0 and shape.checks[0].passed  # the shape passed, and earned nothing


def test_a_part_made_only_of_gates_is_a_rubric_error(make_rubric):
    with pytest.raises(RubricError, match="every check is a gate"):
        make_rubric(GATES.replace("checks: [{shape: [d]}, {reference: {random: 4}}]",
                                  "checks: [{shape: [d]}, {reference: {random: 4}, weight: 0}]"))


def test_a_declared_mistake_is_reported_by_name(rubric):
    result, _ = run(rubric, {"double": lambda x: -2 * x})
    (part,) = [p for p in result.parts() if p.name == "1/a"]
    assert part.score == pytest.approx(2 * 1 / 5)
    assert part.diagnoses == ("mistake:double_negated",)
    causes = [r.text for r in part.reasons() if r.kind is ReasonKind.CAUSE]
    assert causes == ["The sign is flipped."]  # the value and reference checks share it: said once


def test_a_wrong_constant_and_a_failed_claim(rubric):
    result, _ = run(rubric, {"grad_x": lambda g, x: np.outer(g, x)}, {"COUNT": 8})
    assert scores(result) == {"1/a": 2, "1/count": 0, "2/g": 0, "2/shapes": 0}
    (shapes,) = [p for p in result.parts() if p.name == "2/shapes"]
    assert shapes.checks[0].kind == "gradient_shapes" and "dx has shape" in shapes.checks[0].summary


def test_a_submission_that_does_not_import_gets_zero_everywhere_with_the_message(rubric):
    problem = StudentError("exception", "the submission raised SyntaxError: invalid syntax (line 3)",
                           "  line 3\n    def f(:\n")
    result, runner = run(rubric, failed_import=problem)
    assert result.score == 0 and result.max_score == 7
    expected = CheckResult("import", 0.0, 1.0, problem.message, ("  line 3", "    def f(:"))
    assert all(p.checks == (expected,) and p.status == "failed" for p in result.parts())
    assert result.problem == problem.message + "\n" + problem.details
    assert runner.batches == [] and not any(e.startswith("constant:") for e in runner.events)


def test_the_upstream_note_is_attached_and_shown_only_when_points_were_lost(rubric):
    note = "g was given as the correct value from part 1/a: a mistake there is not counted again here"
    good, _ = run(rubric)
    parts = {p.name: p for p in good.parts()}
    assert parts["2/g"].notes == (note,) and parts["2/g"].reasons() == []
    assert parts["1/a"].notes == parts["1/count"].notes == parts["2/shapes"].notes == ()
    bad, _ = run(rubric, {"grad_x": lambda g, x: 3 * g})
    (part,) = [p for p in bad.parts() if p.name == "2/g"]
    reasons = part.reasons()
    assert reasons[0].kind is ReasonKind.SUMMARY and reasons[0].text.startswith("reference: wrong on 5 of 5 case(s)")
    assert reasons[-1].kind is ReasonKind.NOTE and str(reasons[-1]) == f"note: {note}"


def test_sandbox_layers_are_reported_and_missing_ones_warned_about(rubric):
    layers = (LayerStatus("seccomp", True, "on"), LayerStatus("landlock", False, "kernel too old"),
              LayerStatus("pids cgroup", False, "no cgroup v2"))
    result, _ = run(rubric, layers=layers)
    assert result.layers == (("seccomp", True), ("landlock", False), ("pids cgroup", False))
    (warning,) = result.warnings
    assert "without landlock, pids cgroup" in warning
    complete, _ = run(rubric, layers=layers[:1])
    assert complete.warnings == () and complete.layers == (("seccomp", True),)


VACUOUS = """
title: Vacuous
reference: ref.py
seed: 1
dimensions: {d: [2, 4]}
interface:
  functions:
    double:
      params: {x: {shape: [d]}}
      returns: {y: {shape: [d]}}
    answer:
      returns: {v: {shape: []}}
questions:
  - id: "1"
    title: Q
    parts:
      - {id: p, title: t, points: 1, PART}
"""


@pytest.mark.parametrize("part", [
    "call: double, checks: [{shape: [d]}]",  # a shape-only part
    "call: double, checks: [{reference: {random: 0}}]",  # a reference check with no case at all
    "call: answer, checks: [{reference: {}}]",  # a function without parameters: random cases are turned off
], ids=["shape-only", "reference-random-0", "no-parameters"])
def test_a_part_that_never_calls_the_student_does_not_give_free_points(make_rubric, part):
    try:
        rubric = make_rubric(VACUOUS.replace("PART", part))
    except RubricError:
        return  # refusing such a rubric is a fix too
    runner = FakeRunner({})  # the submission defines nothing
    result = grade(rubric, FakeReference({"double": lambda x: 2 * x, "answer": lambda: 42.0}), runner, "empty.py")
    assert result.score == 0, [c.summary for p in result.parts() for c in p.checks]
