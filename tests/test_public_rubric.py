"""Public rubrics (no process): the schema and loader rules, the document ``grade publish`` writes, and
grading with no reference (deferred checks count as pending, not as lost)."""

from __future__ import annotations

import pytest

from grader.grading import _part_result
from grader.results import CheckResult
from grader.rubric.errors import RubricError
from grader.rubric.public import public_document

PUBLIC = """
    title: T
    public: true
    seed: 1
    interface:
      functions:
        f:
          params: {x: {shape: [2]}}
          returns: {y: {shape: [2]}}
    cases:
      handout: {x: [1, 2]}
    questions:
      - id: "1"
        title: Q
        parts:
          - id: a
            title: y = 2x
            points: 2
            call: f
            case: handout
            checks:
              - shape: [2]
              - value: [2, 4]
              - reference: {random: 3}
"""


def test_a_public_rubric_loads_without_a_reference(make_rubric):
    rubric = make_rubric(PUBLIC)
    assert rubric.public and rubric.reference is None and rubric.samples is None


@pytest.mark.parametrize("extra, message", [
    ("reference: ref.py\n", "a public rubric has no 'reference'"),
    ("samples: .\n", "a public rubric has no 'samples'"),
])
def test_a_public_rubric_carries_no_answers(make_rubric, extra, message):
    with pytest.raises(RubricError, match=message):
        make_rubric(PUBLIC.replace("    seed: 1\n", f"    seed: 1\n    {extra}"))


def test_a_public_rubric_declares_no_mistakes(make_rubric):
    text = PUBLIC.replace("            checks:\n", "            mistakes: [{function: g, message: m}]\n"
                                                   "            checks:\n")
    with pytest.raises(RubricError, match=r"questions\[0\]\.parts\[0\]\.mistakes: a public rubric declares no"):
        make_rubric(text)


def test_only_a_public_rubric_lists_parts_graded_after_submission(make_rubric):
    text = PUBLIC.replace("    public: true\n", "    reference: ref.py\n    after_submission: [\"2/b\"]\n")
    with pytest.raises(RubricError, match="only a public rubric"):
        make_rubric(text)


def test_a_course_rubric_still_needs_its_reference(make_rubric):
    with pytest.raises(RubricError, match="missing required key 'reference'"):
        make_rubric(PUBLIC.replace("    public: true\n", ""))


def test_upstream_may_name_a_part_graded_after_submission(make_rubric):
    text = PUBLIC.replace("params: {x: {shape: [2]}}", "params: {x: {shape: [2], upstream: \"0/z\"}}")
    with pytest.raises(RubricError, match="no part '0/z'"):
        make_rubric(text)
    rubric = make_rubric(text.replace("    seed: 1\n", "    seed: 1\n    after_submission: [\"0/z\"]\n"))
    assert rubric.after_submission == ("0/z",)


def test_the_public_document_strips_answers_and_lists_hidden_parts():
    doc = {
        "title": "T", "reference": "t_reference.py", "samples": "../samples/t", "seed": 3,
        "source": "handouts/ps5.pdf", "interface": {}, "cases": {"h": {"x": 1}},
        "questions": [
            {"id": "1", "title": "Q1", "parts": [
                {"id": "a", "title": "A", "points": 1, "call": "f", "checks": [{"value": 4}],
                 "mistakes": [{"function": "f_wrong", "message": "m"}]},
                {"id": "b", "title": "B 42", "points": 1, "call": "f", "visibility": "hidden",
                 "checks": [{"value": 42}]},
            ]},
            {"id": "2", "title": "Q2", "parts": [
                {"id": "c", "title": "C", "points": 1, "call": "f", "visibility": "after_due_date",
                 "checks": [{"value": 7}]}]},
        ],
    }
    public = public_document(doc)
    assert public["public"] is True and list(public)[0] == "public"
    assert "reference" not in public and "samples" not in public and "source" not in public
    assert public["after_submission"] == ["1/b", "2/c"]
    (question,) = public["questions"]
    assert question["parts"] == [{"id": "a", "title": "A", "points": 1, "call": "f", "checks": [{"value": 4}]}]
    assert "mistakes" in doc["questions"][0]["parts"][0]  # the course's document is left as it was
    assert public_document({**doc, "source": "Problem Set 5 Solutions"})["source"] == "Problem Set 5 Solutions"


def test_nothing_to_publish_when_every_part_is_hidden():
    doc = {"title": "T", "questions": [{"id": "1", "title": "Q", "parts": [
        {"id": "a", "title": "A", "points": 1, "visibility": "hidden"}]}]}
    with pytest.raises(ValueError, match="every part is hidden"):
        public_document(doc)


class _Part:
    id, title, points, visibility = "a", "A", 2.0, "visible"


def deferred(weight: float = 1.0) -> CheckResult:
    return CheckResult("reference", 0.0, weight, "graded after submission", deferred=True)


def part(checks):
    class Rubric:
        functions = {}

    return _part_result(Rubric(), "1", _Part(), checks)


def test_a_deferred_check_makes_its_share_pending_not_lost():
    result = part([CheckResult("value", 1.0, 1.0, "= 4"), deferred()])
    assert (result.score, result.points, result.pending, result.status) == (1.0, 1.0, 1.0, "passed")
    wrong = part([CheckResult("value", 0.0, 1.0, "got 5"), deferred()])
    assert (wrong.score, wrong.points, wrong.pending, wrong.status) == (0.0, 1.0, 1.0, "failed")


def test_behind_a_passed_gate_everything_is_pending_and_a_failed_gate_decides_now():
    passed = part([CheckResult("shape", 1.0, 0.0, "shape (2,)"), deferred()])
    assert (passed.score, passed.points, passed.pending, passed.status) == (0.0, 0.0, 2.0, "pending")
    failed = part([CheckResult("shape", 0.0, 0.0, "shape (3,)"), deferred()])
    assert (failed.score, failed.points, failed.pending, failed.status) == (0.0, 2.0, 0.0, "failed")


def test_a_deferred_gate_leaves_the_whole_part_pending():
    result = part([CheckResult("value", 1.0, 1.0, "= 4"), deferred(weight=0.0)])
    assert (result.score, result.points, result.pending) == (0.0, 0.0, 2.0)
    assert result.reasons() == []  # a deferred check is no reason for lost points
