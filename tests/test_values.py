"""The value checks as pure functions over evidence: case_plan, uses, judge, summarize (no process)."""

from __future__ import annotations

import numpy as np
import pytest

from grader.answers import Answer
from grader.cases import named_case, random_case
from grader.checks.evidence import Observation
from grader.checks.values import CasePlan, case_plan, judge, summarize, uses
from grader.rubric.model import Mistake, ReferenceCheck, ShapeCheck, ValueCheck

RUBRIC = """
title: Values
reference: ref.py
seed: 5
dimensions:
  d: [2, 3]
  h: [4, 6]
interface:
  functions:
    double:
      params: {x: {shape: [d]}}
      returns: {y: {shape: [d]}}
    outer:
      params: {a: {shape: [h]}, b: {shape: [d]}}
      returns: {M: {shape: [h, d]}}
  constants:
    COUNT: {shape: []}
    TABLE: {shape: [3, 2]}
cases:
  handout: {x: [1, 2], a: [1, 2, 3, 4], b: [1, -1]}
  other: {x: [3, 4, 5]}
questions:
  - id: "1"
    title: Values
    parts:
      - {id: lit, title: y = 2x, points: 1, call: double, case: handout, checks: [{value: [2, 4]}]}
      - {id: shape, title: M = a bᵀ, points: 1, call: outer, case: handout,
         checks: [{shape: [h, d]}, {reference: {random: 3}}]}
      - id: prop
        title: y = 2x on random cases
        points: 4
        call: double
        checks:
          - reference: {random: 4, scoring: proportional}
          - reference: {random: 4}
      - id: mistake
        title: y = 2x, with a declared mistake
        points: 1
        call: double
        case: handout
        checks: [{reference: {random: 0}}]
        mistakes:
          - {function: double_negated, message: "The sign is flipped: y = -2x."}
      - {id: entry, title: "M[0, 1]", points: 1, call: outer, index: [0, 1], case: handout, checks: [{value: -1}]}
      - id: plan
        title: every kind of check
        points: 1
        call: double
        case: handout
        checks:
          - shape: [d]
          - value: [2, 4]
          - reference: {cases: [handout, other], random: 5}
          - reference: {cases: [other], random: 3}
          - {value: [6, 8, 10], case: other}
      - {id: const, title: COUNT, points: 1, constant: COUNT, checks: [{value: 7}]}
      - {id: cell, title: "TABLE[2, 0]", points: 1, constant: TABLE, index: [2, 0], checks: [{value: 5}]}
"""


@pytest.fixture
def rubric(make_rubric):
    return make_rubric(RUBRIC)


def part_of(rubric, part_id):
    (part,) = [p for _, p in rubric.parts() if p.id == part_id]
    return part


def answer(value) -> Answer:
    return value if isinstance(value, Answer) else Answer(np.asarray(value, dtype=np.float64))


def observe(case, student, expected, *, student_whole=None, expected_whole=None, mutants=()) -> Observation:
    """Evidence for one case: the graded values, and the whole outputs when the target is indexed."""
    student, expected = answer(student), np.asarray(expected, dtype=np.float64)
    whole = answer(student_whole) if student_whole is not None else student
    expected_whole = np.asarray(expected_whole, dtype=np.float64) if expected_whole is not None else expected
    return Observation(case, student, expected, whole, expected_whole,
                       tuple((m, np.asarray(v, dtype=np.float64)) for m, v in mutants))


# -- case_plan and uses ---------------------------------------------------------------


def test_case_plan_gathers_named_cases_once_in_order_and_the_most_random_ones(rubric):
    assert case_plan(part_of(rubric, "plan")) == CasePlan(("handout", "other"), 5)
    assert case_plan(part_of(rubric, "prop")) == CasePlan((), 4)
    assert case_plan(part_of(rubric, "mistake")) == CasePlan(("handout",), 0)  # the part's case is the default
    assert case_plan(part_of(rubric, "const")) == CasePlan((), 0)


def test_uses_says_which_check_judges_which_case(rubric):
    part = part_of(rubric, "plan")
    double = rubric.functions["double"]
    handout, other = named_case(rubric, double, "handout"), named_case(rubric, double, "other")
    randoms = [random_case(rubric, double, k) for k in range(6)]
    shape, value, both, other_only, value_other = part.checks
    assert isinstance(shape, ShapeCheck) and isinstance(value, ValueCheck) and isinstance(both, ReferenceCheck)

    def used(check):
        return [c.label for c in (handout, other, *randoms) if uses(check, c)]

    assert used(shape) == ["handout", "other"] + [f"random #{k}" for k in range(1, 7)]
    assert used(value) == ["handout"]
    assert used(value_other) == ["other"]
    assert used(both) == ["handout", "other"] + [f"random #{k}" for k in range(1, 6)]
    assert used(other_only) == ["other", "random #1", "random #2", "random #3"]
    assert all(uses(check, None) for check in part.checks)  # a constant has exactly one value


# -- value: the handout's literal --------------------------------------------------------


def test_a_literal_value_on_its_named_case_passes(rubric):
    part = part_of(rubric, "lit")
    case = named_case(rubric, rubric.functions["double"], "handout")
    (check,) = part.checks
    verdict = judge(check, part, observe(case, [2.0, 4.0], [2.0, 4.0]), rubric)
    assert verdict.ok
    result = summarize(check, [verdict])
    assert (result.kind, result.score, result.passed) == ("value", 1.0, True)
    assert result.summary == "= [2., 4.] (on the handout case)"


def test_a_wrong_literal_value_says_got_and_expected(rubric):
    part = part_of(rubric, "lit")
    case = named_case(rubric, rubric.functions["double"], "handout")
    (check,) = part.checks
    # the literal is what counts, not the reference: a reference that agrees with the student changes nothing
    verdict = judge(check, part, observe(case, [2.0, 5.0], [2.0, 5.0]), rubric)
    result = summarize(check, [verdict])
    assert (result.score, result.passed) == (0.0, False)
    assert result.summary == "got [2., 5.], expected [2., 4.] (on the handout case)"
    assert result.details == ("1 of 2 entries differ; largest error 1 at index (1,) (got 5, expected 4)",)


def test_a_call_that_raised_fails_the_value_check_with_its_traceback(rubric):
    part = part_of(rubric, "lit")
    case = named_case(rubric, rubric.functions["double"], "handout")
    (check,) = part.checks
    failed = Answer(None, "double() raised ValueError: boom", "  line 3, in double: raise ValueError('boom')")
    result = summarize(check, [judge(check, part, observe(case, failed, [2.0, 4.0]), rubric)])
    assert result.score == 0.0 and result.finding is None
    assert result.summary == "double() raised ValueError: boom (on the handout case)"
    assert result.details == ("  line 3, in double: raise ValueError('boom')",)


# -- shape ------------------------------------------------------------------------------


def test_a_transposed_result_fails_the_shape_check_and_the_comparison_diagnoses_it(rubric):
    part = part_of(rubric, "shape")
    case = named_case(rubric, rubric.functions["outer"], "handout")
    a, b = case.args["a"], case.args["b"]
    shape_check, reference_check = part.checks
    observation = observe(case, np.outer(b, a), np.outer(a, b))
    verdict = judge(shape_check, part, observation, rubric)
    assert not verdict.ok
    result = summarize(shape_check, [verdict])
    assert result.score == 0.0
    assert result.summary == "shape (2, 4), expected (4, 2) = (h, d) (on the handout case)"
    assert result.finding is None  # one check of a part explains it: the comparison, which sees every case
    compared = summarize(reference_check, [judge(reference_check, part, observation, rubric)])
    assert compared.finding is not None and compared.finding.kind == "transposed" and not compared.finding.declared
    assert compared.diagnosis == "transposed"


def test_a_shape_check_alone_diagnoses(rubric):
    from dataclasses import replace

    part = part_of(rubric, "shape")
    alone = replace(part, checks=part.checks[:1])
    case = named_case(rubric, rubric.functions["outer"], "handout")
    a, b = case.args["a"], case.args["b"]
    result = summarize(alone.checks[0], [judge(alone.checks[0], alone, observe(case, np.outer(b, a), np.outer(a, b)),
                                               rubric)])
    assert result.diagnosis == "transposed"


def test_the_shape_check_resolves_each_cases_dimensions(rubric):
    part = part_of(rubric, "shape")
    outer = rubric.functions["outer"]
    shape_check = part.checks[0]
    cases = [random_case(rubric, outer, k) for k in range(3)]
    assert len({tuple(sorted(c.dims.items())) for c in cases}) > 1, "the seeded dimensions should vary"
    right = [judge(shape_check, part, observe(c, np.outer(c.args["a"], c.args["b"]),
                                              np.outer(c.args["a"], c.args["b"])), rubric) for c in cases]
    assert summarize(shape_check, right).summary == "shape (h, d) on 3 case(s)"
    fixed = [judge(shape_check, part, observe(c, np.zeros((4, 2)), np.outer(c.args["a"], c.args["b"])), rubric)
             for c in cases]  # hard-coded to the handout's shape
    wrong_dims = [c for c in cases if (c.dims["h"], c.dims["d"]) != (4, 2)]
    assert [v.ok for v in fixed] == [(c.dims["h"], c.dims["d"]) == (4, 2) for c in cases]
    result = summarize(shape_check, fixed)
    assert result.score == 0.0 and result.summary.startswith("shape (4, 2), expected ")
    assert f"(on {wrong_dims[0].label})" in result.summary


# -- reference --------------------------------------------------------------------------


def test_proportional_scoring_scores_the_fraction_of_passing_cases(rubric):
    part = part_of(rubric, "prop")
    double = rubric.functions["double"]
    proportional, all_or_nothing = part.checks
    cases = [random_case(rubric, double, k) for k in range(4)]
    observations = [observe(c, (3 if c.index == 2 else 2) * c.args["x"], 2 * c.args["x"]) for c in cases]
    verdicts = [judge(proportional, part, o, rubric) for o in observations]
    assert [v.ok for v in verdicts] == [True, True, False, True]
    result = summarize(proportional, verdicts)
    assert result.score == pytest.approx(0.75) and not result.passed
    d = cases[2].dims["d"]
    assert result.summary.startswith(f"wrong on 1 of 4 case(s); first: random #3 (d={d}): {d} of {d} entries differ")
    assert result.details[0].startswith("inputs: x=[")
    assert result.finding is None  # a factor 1.5 on one case only is no constant factor of the function
    assert summarize(all_or_nothing, [judge(all_or_nothing, part, o, rubric) for o in observations]).score == 0.0


def test_a_diagnosis_stands_only_when_every_failing_case_agrees(rubric):
    part = part_of(rubric, "prop")
    check = part.checks[0]  # the part's first comparison diagnoses
    cases = [random_case(rubric, rubric.functions["double"], k) for k in range(4)]
    same = [judge(check, part, observe(c, 3 * c.args["x"], 2 * c.args["x"]), rubric) for c in cases]
    assert summarize(check, same).diagnosis == "scaled"  # 1.5 times on every case: a constant factor
    varying = [judge(check, part, observe(c, (3 + c.index) * c.args["x"], 2 * c.args["x"]), rubric) for c in cases]
    assert summarize(check, varying).finding is None  # a different factor on each case: no constant factor


def test_a_reference_check_passes_when_every_case_matches(rubric):
    part = part_of(rubric, "prop")
    check = part.checks[0]
    cases = [random_case(rubric, rubric.functions["double"], k) for k in range(4)]
    result = summarize(check, [judge(check, part, observe(c, 2 * c.args["x"], 2 * c.args["x"]), rubric)
                               for c in cases])
    assert (result.score, result.summary, result.finding) == (1.0, "matches the reference on 4 case(s)", None)


def test_a_matched_declared_mistake_comes_before_the_generic_diagnosis(rubric):
    part = part_of(rubric, "mistake")
    (check,) = part.checks
    case = named_case(rubric, rubric.functions["double"], "handout")
    x = case.args["x"]
    (mistake,) = part.mistakes
    assert mistake == Mistake("double_negated", "The sign is flipped: y = -2x.")
    declared = summarize(check, [judge(check, part, observe(case, -2 * x, 2 * x, mutants=[(mistake, -2 * x)]),
                                       rubric)])
    assert declared.score == 0.0
    assert declared.finding is not None and declared.finding.declared
    assert declared.finding.label == "mistake:double_negated" == declared.diagnosis
    assert declared.finding.message == "The sign is flipped: y = -2x."
    # a student who does not match the mistake gets the generic detectors' verdict instead
    generic = summarize(check, [judge(check, part, observe(case, -2 * x, 2 * x, mutants=[(mistake, 5 * x)]),
                                      rubric)])
    assert generic.finding is not None and not generic.finding.declared and generic.diagnosis == "sign_flipped"


def test_an_indexed_target_is_diagnosed_on_the_whole_output(rubric):
    part = part_of(rubric, "entry")
    (check,) = part.checks
    case = named_case(rubric, rubric.functions["outer"], "handout")
    a, b = case.args["a"], case.args["b"]
    student_whole, expected_whole = np.outer(b, a), np.outer(a, b)  # the student returned M transposed
    observation = observe(case, student_whole[0, 1], expected_whole[0, 1],
                          student_whole=student_whole, expected_whole=expected_whole)
    result = summarize(check, [judge(check, part, observation, rubric)])
    assert result.score == 0.0
    assert result.summary == "got 2., expected -1. (on the handout case)"
    assert result.finding is not None and result.finding.kind == "transposed"


def test_a_constant_is_judged_without_a_case(rubric):
    part = part_of(rubric, "const")
    (check,) = part.checks
    assert summarize(check, [judge(check, part, observe(None, 7.0, 7.0), rubric)]).summary == "= 7."
    wrong = summarize(check, [judge(check, part, observe(None, 8.0, 7.0), rubric)])
    assert wrong.score == 0.0 and wrong.summary == "got 8., expected 7." and wrong.details == ()


def test_an_indexed_constant_is_diagnosed_on_its_whole_value_too(rubric):
    part = part_of(rubric, "cell")
    (check,) = part.checks
    expected_whole = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    student_whole = expected_whole.reshape(2, 3)  # the right numbers in the wrong shape: TABLE[2, 0] does not exist
    observation = observe(None, Answer(None, "TABLE has shape (2, 3): it has no entry [2, 0]"), expected_whole[2, 0],
                          student_whole=student_whole, expected_whole=expected_whole)
    result = summarize(check, [judge(check, part, observation, rubric)])
    assert result.score == 0.0 and result.summary == "TABLE has shape (2, 3): it has no entry [2, 0]"
    assert result.finding is not None and result.finding.kind == "reshaped"
