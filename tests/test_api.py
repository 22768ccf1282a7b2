"""The public API, ``grader.Grader``: safe by construction, reusable, with a typed outcome."""

from __future__ import annotations

import textwrap
import threading

import pytest

import grader
from grader.results import CouldNotGrade, GradeResult, outcome_from_json, outcome_to_json
from grader.sandbox.launcher import acquire_launcher, release_launcher
from grader.sandbox.runner import SubmissionRunner
from grader.sandbox.slots import SubmissionFiles

from helpers import RUBRICS, SAMPLES

pytestmark = pytest.mark.sandbox

R5 = RUBRICS / "recitation5.yaml"

RUBRIC = """
title: hidden
reference: ref.py
seed: 1
interface:
  functions:
    f:
      params: {x: {shape: [2]}}
      returns: {y: {shape: [2]}}
questions:
  - id: "1"
    title: one
    parts:
      - {id: a, title: f, points: 1, call: f, checks: [{reference: {random: 2}}]}
"""

REFERENCE = "SECRET_ANSWER = 'the answer key'\n\ndef f(x):\n    return 2 * x\n"


def test_the_zygote_holds_no_rubric_checks_yaml_jsonschema_or_rich(tmp_path):
    """A worker is forked from the zygote: at import, the submission sees exactly the zygote's modules."""
    source = "import sys\nMODULES = sorted(sys.modules)\n"
    launcher = acquire_launcher()
    try:
        with SubmissionRunner(SubmissionFiles.single(source.encode()), launcher) as runner:
            outcome = runner.constant("MODULES")
    finally:
        release_launcher(launcher)
    assert outcome.ok, outcome.error
    modules = set(outcome.value)
    assert "numpy" in modules and "grader.sandbox.worker" in modules  # the zygote's own imports are there
    forbidden = [m for m in modules if m.split(".")[0] in ("yaml", "jsonschema", "rich")
                 or m.startswith(("grader.rubric", "grader.checks", "grader.report", "grader.session",
                                  "grader.grading", "grader.api", "grader.results", "grader.reference",
                                  "grader.cases", "grader.selftest"))]
    assert forbidden == []


def test_grading_through_the_api_hides_the_rubric_and_reference_folders(tmp_path, monkeypatch):
    """With Landlock off, only the hidden-paths layer stands between the student and the answer key."""
    course = tmp_path / "course"
    course.mkdir()
    (course / "hidden.yaml").write_text(RUBRIC)
    reference = course / "ref.py"
    reference.write_text(REFERENCE)
    submission = tmp_path / "student" / "submission.py"
    submission.parent.mkdir()
    submission.write_text(textwrap.dedent(f"""
        try:
            print("LEAKED:", open({str(reference)!r}).read())
        except OSError as exc:
            print("HIDDEN:", type(exc).__name__)

        def f(x):
            return 2 * x
    """))
    monkeypatch.setenv("GRADER_TEST_DISABLE_LAYERS", "landlock")
    with grader.Grader(course / "hidden.yaml") as g:
        result = g.grade(submission)
    assert isinstance(result, GradeResult) and result.score == result.max_score
    layers = dict(result.layers)
    assert layers["landlock"] is False and layers["hidden paths"] is True
    assert "HIDDEN:" in result.stdout and "LEAKED" not in result.stdout
    # The control: the same sandbox without the hidden paths lets the file be read.
    launcher = acquire_launcher()
    try:
        files = SubmissionFiles.single(submission.read_bytes())
        with SubmissionRunner(files, launcher, g.limits, disabled_layers=("landlock",)) as runner:
            assert runner.import_error() is None
            assert "LEAKED: SECRET_ANSWER" in runner.output().stdout
    finally:
        release_launcher(launcher)


def test_one_grader_grades_many_submissions_from_another_thread():
    outcomes = []
    with grader.Grader(R5) as g:
        worker = threading.Thread(target=lambda: outcomes.extend(
            g.grade(SAMPLES / "recitation5" / name) for name in ("correct.py", "sign_error.py", "syntax_error.py")))
        worker.start()
        worker.join(120)
    correct, wrong, broken = outcomes
    assert correct.score == correct.max_score == 16
    assert 0 < wrong.score < 16 and broken.score == 0 and "SyntaxError" in broken.problem


def test_two_graders_share_one_launcher():
    with grader.Grader(R5) as first, grader.Grader(RUBRICS / "ps5.yaml") as second:
        assert first._launcher is second._launcher
        assert first.grade(SAMPLES / "recitation5" / "correct.py").score == 16
        assert second.grade(SAMPLES / "ps5" / "correct.py").score == 22


def test_the_full_result_round_trips_through_versioned_json():
    with grader.Grader(R5) as g:
        result = g.grade(SAMPLES / "recitation5" / "transposed.py")
    again = outcome_from_json(outcome_to_json(result))
    assert again == result
    assert any(part.diagnoses for part in again.parts())
    failed = CouldNotGrade("s.py", "r.yaml", "could not grade: the sandbox did not start", "sandbox")
    assert outcome_from_json(outcome_to_json(failed)) == failed


def test_a_closed_grader_refuses_to_grade():
    g = grader.Grader(R5)
    g.close()
    g.close()
    with pytest.raises(RuntimeError, match="closed"):
        g.grade(SAMPLES / "recitation5" / "correct.py")


def test_a_submission_inside_the_rubric_folder_is_refused():
    with grader.Grader(R5) as g, pytest.raises(grader.SubmissionError, match="rubric's folder"):
        g.grade(RUBRICS / "recitation5_reference.py")
