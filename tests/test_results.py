"""Results: the versioned JSON round trip and the reasons a part lost points (no process)."""

from __future__ import annotations

import json

import pytest

from grader.results import (RESULT_FORMAT, CheckResult, CouldNotGrade, Finding, GradeResult, PartResult,
                            QuestionResult, Reason, ReasonKind, outcome_from_json, outcome_to_json)

TRANSPOSED = Finding("transposed", "You returned the transpose: check the order of the outer product.")
DECLARED = Finding("backward_sign_flipped", "The gradient's sign is flipped.", declared=True)

RESULT = GradeResult(
    submission="submissions/ada.py",
    rubric="rubrics/ps5.yaml",
    title="Problem Set 5: ∂ℓ/∂W",
    questions=(
        QuestionResult("1", "Forward", (
            PartResult("1", "a", "z = σ(Wx)", 2, 2, (CheckResult("reference", 1.0, 1.0, "matches the reference on 21 case(s)"),)),
            PartResult("1", "b", "∂ℓ/∂W", 3, 0.75, (
                CheckResult("shape", 1.0, 1.0, "shape (h, d) on 21 case(s)"),
                CheckResult("value", 0.0, 3.0, "got [[1., 2.]], expected [[1.], [2.]] (on the handout case)",
                            (), TRANSPOSED),
                CheckResult("reference", 0.25, 1.0, "wrong on 3 of 4 case(s); first: random #1 (d=2, h=3): …",
                            ("inputs: W=[[0.1, …]]", "  line 4, in grad: return a @ b"), DECLARED),
            ), "hidden", ("x was given as the correct value from part 1/a: a mistake there is not counted again here",)),
        )),
        QuestionResult("2", "Claims", (
            PartResult("2", "sym", "symmetry", 1, 0, (CheckResult("symmetry", 0.0, 1.0, "not identical"),)),
        )),
    ),
    stdout="printed ✓\n",
    stderr="warning\n",
    problem="",
    execution_time=1.2345678901234567,
    warnings=("warning: the sandbox runs without landlock on this machine",),
    layers=(("user+net+ipc+uts namespaces", True), ("landlock", False)),
)


def test_a_grade_result_survives_the_json_round_trip_exactly():
    text = outcome_to_json(RESULT)
    back = outcome_from_json(text)
    assert isinstance(back, GradeResult)
    assert back == RESULT
    assert back.parts()[1].checks[2].finding.label == "mistake:backward_sign_flipped"
    assert back.parts()[1].diagnoses == ("transposed", "mistake:backward_sign_flipped")
    assert outcome_to_json(back) == text
    raw = json.loads(text)
    assert (raw["format"], raw["status"]) == (RESULT_FORMAT, "graded")


def test_a_result_without_optional_fields_round_trips():
    bare = GradeResult("s.py", "r.yaml", "T", (QuestionResult("1", "Q", ()),))
    assert outcome_from_json(outcome_to_json(bare)) == bare


def test_could_not_grade_survives_the_json_round_trip_exactly():
    failure = CouldNotGrade("s.py", "r.yaml", "could not grade: the sandbox failed to start", "sandbox")
    text = outcome_to_json(failure)
    assert json.loads(text)["status"] == "could_not_grade"
    assert outcome_from_json(text) == failure


@pytest.mark.parametrize("outcome", [RESULT, CouldNotGrade("s.py", "r.yaml", "disk full", "disk")])
@pytest.mark.parametrize("fmt", ["grader.result/2", "grader.result/0", "", None])
def test_another_format_version_is_refused(outcome, fmt):
    raw = json.loads(outcome_to_json(outcome))
    if fmt is None:
        del raw["format"]
    else:
        raw["format"] = fmt
    with pytest.raises(ValueError, match=r"not a grader\.result/1 document"):
        outcome_from_json(json.dumps(raw))


# -- reasons ---------------------------------------------------------------------------


def part(*checks: CheckResult, points: float = 2, score: float = 0, notes=("the note",)) -> PartResult:
    return PartResult("1", "a", "title", points, score, checks, notes=notes)


def test_reasons_do_not_repeat_a_detail_or_a_cause():
    shared = ("inputs: x=[1., 2.]",)
    result = part(CheckResult("value", 0, 1, "got 3, expected 2", shared, TRANSPOSED),
                  CheckResult("shape", 1, 1, "shape (d,) on 3 case(s)"),
                  CheckResult("reference", 0, 1, "wrong on 3 of 3 case(s)", shared + ("another",), TRANSPOSED))
    assert result.reasons() == [
        Reason(ReasonKind.SUMMARY, "value: got 3, expected 2"),
        Reason(ReasonKind.DETAIL, "inputs: x=[1., 2.]"),
        Reason(ReasonKind.CAUSE, TRANSPOSED.message),
        Reason(ReasonKind.SUMMARY, "reference: wrong on 3 of 3 case(s)"),
        Reason(ReasonKind.DETAIL, "another"),
        Reason(ReasonKind.NOTE, "the note"),
    ]
    assert [str(r) for r in result.reasons()] == [
        "value: got 3, expected 2", "  inputs: x=[1., 2.]", f"  likely cause: {TRANSPOSED.message}",
        "reference: wrong on 3 of 3 case(s)", "  another", "note: the note"]


def test_notes_are_listed_only_when_points_were_lost():
    passed = part(CheckResult("reference", 1, 1, "matches"), score=2)
    assert passed.status == "passed" and passed.reasons() == []
    partial = part(CheckResult("reference", 0.5, 1, "wrong on 1 of 2 case(s)"), score=1)
    assert partial.status == "partial"
    assert partial.reasons() == [Reason(ReasonKind.SUMMARY, "reference: wrong on 1 of 2 case(s)"),
                                 Reason(ReasonKind.NOTE, "the note")]


def test_totals_and_statuses():
    assert (RESULT.score, RESULT.max_score) == (2.75, 6)
    assert [p.status for p in RESULT.parts()] == ["passed", "partial", "failed"]
    assert [p.name for p in RESULT.parts()] == ["1/a", "1/b", "2/sym"]
