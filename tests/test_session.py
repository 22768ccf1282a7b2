"""The session gathers each part's evidence: cases, the student's answers, the reference's (no process)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

import grader.session as session_module
from grader.reference import ReferenceImplementationError
from grader.session import Session

from fakes import FakeReference, FakeRunner

RUBRIC = """
title: Session
reference: ref.py
seed: 11
dimensions: {d: [2, 4]}
interface:
  functions:
    double:
      params: {x: {shape: [d]}}
      returns: {y: {shape: [d]}}
    pair:
      params: {x: {shape: [d]}, s: {shape: []}}
      returns: {total: {shape: []}, scaled: {shape: [d]}}
  constants:
    COUNT: {shape: []}
    TABLE: {shape: [2, 2]}
cases:
  handout: {x: [1, 2], s: 3}
  other: {x: [3, 4, 5], s: -1}
questions:
  - id: "1"
    title: Doubling
    parts:
      - {id: a, title: literal, points: 1, call: double, case: handout, checks: [{shape: [d]}, {value: [2, 4]}]}
      - {id: b, title: reference, points: 1, call: double, checks: [{reference: {cases: [other, handout], random: 20}}]}
      - {id: c, title: a few random, points: 1, call: double, checks: [{reference: {random: 5}}],
         mistakes: [{function: double_plus_one, message: "One too many."}]}
  - id: "2"
    title: Pairs
    parts:
      - {id: total, title: total, points: 1, call: pair, output: total, case: handout,
         checks: [{value: 9}, {reference: {random: 2}}]}
      - {id: entry, title: "scaled[1]", points: 1, call: pair, output: scaled, index: [1], case: handout,
         checks: [{value: 6}]}
      - {id: count, title: COUNT, points: 1, constant: COUNT, checks: [{value: 7}]}
      - {id: cell, title: "TABLE[1, 0]", points: 1, constant: TABLE, index: [1, 0], checks: [{value: 3}]}
"""

STUDENT = {"double": lambda x: 2 * x, "pair": lambda x, s: (s * float(np.sum(x)), s * x)}
REFERENCE = {**STUDENT, "double_plus_one": lambda x: 2 * x + 1}
CONSTANTS = {"COUNT": 7, "TABLE": [[1, 2], [3, 4]]}


@pytest.fixture
def rubric(make_rubric):
    return make_rubric(RUBRIC)


def parts_calling(rubric, function):
    return [p for _, p in rubric.parts() if getattr(p.target, "function", None) == function]


def part_of(rubric, part_id):
    (part,) = [p for _, p in rubric.parts() if p.id == part_id]
    return part


def gather(rubric, function, student=STUDENT, reference=REFERENCE):
    runner, ref = FakeRunner(student, CONSTANTS), FakeReference(reference, CONSTANTS)
    observed = list(Session(rubric, ref, runner).observe_function(rubric.functions[function],
                                                                   parts_calling(rubric, function)))
    return observed, runner, ref


RANDOM_20 = [f"random #{k}" for k in range(1, 21)]


def test_every_case_of_every_part_is_observed_once_named_cases_first(rubric):
    observed, _, _ = gather(rubric, "double")
    seen = [(item.part.id, item.observation.case.label) for item in observed]
    assert Counter(seen).most_common(2)[1][1] == 1  # only the repeated case is seen twice
    by_part = {pid: [label for p, label in seen if p == pid] for pid in "abc"}
    assert by_part["a"] == ["handout"]
    # the last case once more, right after itself (state between calls): part c does not use random #20
    again = [item.observation.case for item in observed if item.observation.case.again]
    assert {c.title for c in again} == {"random #20, called again"} and len(again) == 1
    assert by_part["b"] == ["handout", "other", *RANDOM_20, "random #20"]
    assert by_part["c"] == RANDOM_20[:5]
    labels = list(dict.fromkeys(label for _, label in seen))
    assert labels == ["handout", "other", *RANDOM_20]  # case by case, named cases first


def test_a_functions_cases_go_to_the_sandbox_in_one_call_many(rubric):
    _, runner, reference = gather(rubric, "double")
    assert runner.batches == [("double", 2 + 20), ("double", 1)]  # three parts, one round trip; then the repeat
    # the reference computes the same cases once, with the declared mistake beside it
    assert reference.submitted == [(("double", "double_plus_one"), ("handout", "other", *RANDOM_20))]


def test_observations_carry_the_students_answer_the_reference_and_the_mistakes(rubric):
    student = dict(STUDENT, double=lambda x: 3 * x)
    observed, _, _ = gather(rubric, "double", student=student)
    for item in observed:
        x = item.observation.case.args["x"]
        obs = item.observation
        np.testing.assert_array_equal(obs.student.value, 3 * x)
        np.testing.assert_array_equal(obs.expected, 2 * x)
        np.testing.assert_array_equal(obs.student_whole.value, 3 * x)
        if item.part.id == "c":
            ((mistake, mutant),) = obs.mutants
            assert mistake.function == "double_plus_one"
            np.testing.assert_array_equal(mutant, 2 * x + 1)
        else:
            assert obs.mutants == ()


def test_a_multi_output_target_and_an_indexed_one(rubric):
    observed, runner, _ = gather(rubric, "pair")
    assert runner.batches == [("pair", 1 + 2), ("pair", 1)]
    first = {item.part.id: item.observation for item in observed if item.observation.case.label == "handout"}
    assert first["total"].student.value == 9.0 and first["total"].expected == 9.0
    entry = first["entry"]
    assert entry.student.value.shape == () and entry.student.value == 6.0 and entry.expected == 6.0
    np.testing.assert_array_equal(entry.student_whole.value, [3.0, 6.0])
    np.testing.assert_array_equal(entry.expected_whole, [3.0, 6.0])
    assert [item.observation.case.label for item in observed if item.part.id == "entry"] == ["handout"]


def test_a_students_exception_becomes_an_answer_without_a_value(rubric):
    def broken(x):
        raise ValueError("boom")

    observed, _, _ = gather(rubric, "double", student=dict(STUDENT, double=broken))
    assert observed
    for item in observed:
        assert item.observation.student.value is None
        assert item.observation.student.problem == "double() raised ValueError: boom"
        assert item.observation.expected is not None


def test_a_single_array_where_a_tuple_is_expected_is_explained(rubric):
    observed, _, _ = gather(rubric, "pair", student=dict(STUDENT, pair=lambda x, s: s * x))
    # (a (2,) array could be two stacked outputs, as a returned list of two numbers arrives: skip d = 2)
    wrong = [item.observation for item in observed if item.observation.case.args["x"].shape != (2,)]
    assert wrong
    for observation in wrong:
        shape = observation.case.args["x"].shape
        assert observation.student.value is None
        assert observation.student.problem == f"pair() returned an array of shape {shape}; expected a tuple (total, scaled)"


def test_large_arguments_are_gathered_in_chunks_each_one_call_many(rubric, monkeypatch):
    monkeypatch.setattr(session_module, "_CHUNK_BYTES", 48)  # two or three random cases of d <= 4 floats
    runner, reference = FakeRunner(STUDENT, CONSTANTS), FakeReference(REFERENCE, CONSTANTS)
    items = Session(rubric, reference, runner).observe_function(rubric.functions["double"],
                                                                parts_calling(rubric, "double"))
    first = next(items)
    assert first.observation.case.label == "handout"
    assert len(runner.batches) == 1, "evidence is handed on before the next chunk is called"
    rest = list(items)
    assert len(runner.batches) > 2
    assert sum(n for _, n in runner.batches) == 22 + 1  # and the repeat of random #1 at the end
    chunks = [labels for _, labels in reference.submitted]
    assert [len(c) for c in chunks] == [n for _, n in runner.batches[:-1]]  # student and reference: same chunks
    assert [label for chunk in chunks for label in chunk] == ["handout", "other", *RANDOM_20]
    seen = [(i.part.id, i.observation.case.label) for i in (first, *rest)]
    assert len(seen) == 1 + 22 + 5 + 1 and len(set(seen)) == 1 + 22 + 5  # random #20 is seen twice by part b


def test_constants_are_observed_whole_and_indexed(rubric):
    runner, reference = FakeRunner(STUDENT, CONSTANTS), FakeReference(REFERENCE, CONSTANTS)
    session = Session(rubric, reference, runner)
    count = session.observe_constant(part_of(rubric, "count"))
    assert count.case is None and count.student.value == 7.0 and count.expected == 7.0
    cell = session.observe_constant(part_of(rubric, "cell"))
    assert cell.student.value == 3.0 and cell.expected == 3.0
    np.testing.assert_array_equal(cell.student_whole.value, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(cell.expected_whole, [[1, 2], [3, 4]])
    assert runner.events == ["constant:COUNT", "constant:TABLE"] and runner.batches == []


def test_a_missing_constant_is_the_students_problem(rubric):
    session = Session(rubric, FakeReference(REFERENCE, CONSTANTS), FakeRunner(STUDENT, {}))
    observation = session.observe_constant(part_of(rubric, "count"))
    assert observation.student.value is None
    assert observation.student.problem == "the submission defines no constant 'COUNT'"


def test_a_reference_without_a_usable_answer_is_the_rubrics_fault(rubric):
    reference = dict(REFERENCE, double=lambda x: None)
    with pytest.raises(ReferenceImplementationError, match=r"double\(\) on handout: .*None"):
        gather(rubric, "double", reference=reference)
