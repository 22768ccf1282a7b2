"""One explanation per part: declared mistakes, agreeing generic diagnoses, automatic mutants (no process)."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checks.explain import MIN_RANDOM_CASES, CaseExplanation, part_finding
from grader.checks.mutants import MutantInfo
from grader.grading import grade
from grader.results import Finding

from fakes import FakeReference, FakeRunner

SIGN = Finding("sign_flipped", "Negative.")
ZEROS = Finding("zeros", "All zeros.")
TRUNC = Finding("integer_truncation", "Cut to integers.")
DECLARED = Finding("forgot_half", "The ½ is missing.", declared=True)
OTHER = Finding("other_mistake", "Something else.", declared=True)


def mutant(key: str, kind: str = "transposed", message: str = "Swapped.") -> MutantInfo:
    return MutantInfo(key, "transpose", f"f:{key}", kind, message)


A, B = mutant("a"), mutant("b", message="Swapped elsewhere.")
C = mutant("c", kind="missing_path", message="A path.")


def case(finding=None, key="", declared=(), matched=frozenset(), random=True) -> CaseExplanation:
    return CaseExplanation(finding, key or (finding.kind if finding else ""), tuple(declared), matched, random)


def test_nothing_failed_nothing_said():
    assert part_finding([case(SIGN)], [False]) is None


def test_a_generic_diagnosis_stands_when_every_failing_case_agrees():
    assert part_finding([case(SIGN), case(SIGN), case()], [True, True, False]) == SIGN
    assert part_finding([case(SIGN), case(ZEROS)], [True, True]) is None
    assert part_finding([case(SIGN), case()], [True, True]) is None  # one failing case unexplained


def test_a_constant_factor_needs_two_failing_cases_with_the_same_factor():
    two = Finding("scaled", "Times 2.")
    assert part_finding([case(two, "scaled:2")], [True]) is None
    assert part_finding([case(two, "scaled:2"), case(two, "scaled:2")], [True, True]) == two
    assert part_finding([case(two, "scaled:c=1.3"), case(two, "scaled:c=1.7")], [True, True]) is None


def test_zeros_on_some_cases_do_not_contradict_truncation():
    assert part_finding([case(ZEROS), case(TRUNC)], [True, True]) == TRUNC


def test_a_declared_mistake_must_give_every_failing_answer():
    assert part_finding([case(SIGN, declared=[DECLARED]), case(SIGN, declared=[DECLARED])], [True, True]) == DECLARED
    assert part_finding([case(ZEROS, declared=[DECLARED]), case(ZEROS)], [True, True]) == ZEROS
    assert part_finding([case(declared=[OTHER, DECLARED]), case(declared=[DECLARED])], [True, True]) == DECLARED


def test_a_side_effect_is_named_first():
    effect = Finding("keeps_state", "State.")
    assert part_finding([case(SIGN), case(effect, "side_effect:keeps_state")], [True, True]) == effect


def _cases(matched_failing, matched_passing, randoms=MIN_RANDOM_CASES):
    failing = [case(matched=matched_failing, random=k < randoms) for k in range(2)]
    passing = [case(matched=matched_passing, random=k + 2 < randoms) for k in range(2)]
    return failing + passing, [True, True, False, False]


def test_a_mutant_that_alone_gives_every_answer_is_named():
    explanations, failed = _cases(frozenset({A}), frozenset({A, C}))
    assert part_finding(explanations, failed) == Finding("transposed", "Swapped.")


def test_a_mutant_on_too_few_random_cases_is_not_named():
    explanations, failed = _cases(frozenset({A}), frozenset({A}), randoms=MIN_RANDOM_CASES - 1)
    assert part_finding(explanations, failed) is None


def test_a_mutant_must_also_give_the_passed_answers():
    explanations, failed = _cases(frozenset({A}), frozenset({C}))
    assert part_finding(explanations, failed) is None


def test_mutants_of_one_class_give_its_class_mutants_of_two_classes_give_nothing():
    explanations, failed = _cases(frozenset({A, B}), frozenset({A, B}))
    named = part_finding(explanations, failed)
    assert named.kind == "transposed" and named.message not in ("Swapped.", "Swapped elsewhere.")
    explanations, failed = _cases(frozenset({A, C}), frozenset({A, C}))
    assert part_finding(explanations, failed) is None


def test_a_case_without_mutant_evidence_stops_the_naming():
    explanations, failed = _cases(frozenset({A}), frozenset({A}))
    assert part_finding(explanations + [case(matched=None)], failed + [False]) is None


def test_a_generic_fact_beats_a_mutant_of_another_class_but_not_the_shape_fallback():
    explanations, failed = _cases(frozenset({C}), frozenset({C}))
    with_sign = [case(SIGN, matched=e.matched, random=e.random) if bad else e for e, bad in zip(explanations, failed)]
    assert part_finding(with_sign, failed) == SIGN
    shape = Finding("wrong_shape", "Shape.")
    with_shape = [case(shape, matched=e.matched, random=e.random) if bad else e for e, bad in zip(explanations, failed)]
    assert part_finding(with_shape, failed) == Finding("missing_path", "A path.")


# -- through the session and grading (fake processes, a real reference source) ------------------

RUBRIC = """
title: Mutants
reference: ref.py
seed: 3
dimensions: {d: [2, 5], h: [2, 5]}
interface:
  functions:
    grad_W:
      params: {W: {shape: [h, d]}, x: {shape: [d]}, g: {shape: [h]}}
      returns: {dW: {shape: [h, d]}}
questions:
  - id: "1"
    title: Gradient
    parts:
      - {id: dW, title: dW, points: 1, call: grad_W, checks: [{shape: [h, d]}, {reference: {random: 6}}]}
"""

SOURCE = '''
import numpy as np


def sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


def grad_W(W, x, g):
    z = sigmoid(W @ x)
    return np.outer(g * z * (1 - z), x)
'''


def _reference(source: str = SOURCE) -> FakeReference:
    namespace: dict = {}
    exec(compile(source, "<reference>", "exec"), namespace)
    return FakeReference({"grad_W": namespace["grad_W"]}, source=source)


def _sigmoid(t):
    return 1 / (1 + np.exp(-t))


@pytest.fixture
def rubric(make_rubric):
    return make_rubric(RUBRIC)


def test_a_right_answer_asks_for_no_mutant(rubric):
    reference = _reference()
    correct = {"grad_W": lambda W, x, g: np.outer(g * _sigmoid(W @ x) * (1 - _sigmoid(W @ x)), x)}
    result = grade(rubric, reference, FakeRunner(correct), "ok.py")
    assert result.score == result.max_score and reference.variant_calls == []


def test_sigma_prime_of_the_preactivation_is_named_by_a_mutant(rubric):
    reference = _reference()
    wrong = {"grad_W": lambda W, x, g: np.outer(g * (W @ x) * (1 - W @ x), x)}
    result = grade(rubric, reference, FakeRunner(wrong), "wrong.py")
    (part,) = result.parts()
    assert part.diagnoses == ("sigma_prime_of_preactivation",)
    assert "pre-activation" in part.reasons()[-1].text
    assert reference.variant_calls  # computed, for this function only
    assert {function for _, function in reference.variant_calls} == {"grad_W"}


def test_a_mistake_no_mutant_gives_is_not_named(rubric):
    reference = _reference()
    odd = {"grad_W": lambda W, x, g: np.outer(g * np.cos(W @ x), x)}
    result = grade(rubric, reference, FakeRunner(odd), "odd.py")
    assert result.parts()[0].diagnoses == ()


def test_without_a_reference_source_there_are_no_mutants(rubric):
    reference = _reference()
    reference.source = ""
    wrong = {"grad_W": lambda W, x, g: np.outer(g * (W @ x) * (1 - W @ x), x)}
    assert grade(rubric, reference, FakeRunner(wrong), "wrong.py").parts()[0].diagnoses == ()
