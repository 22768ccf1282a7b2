"""Grade one submission: run every part of the rubric against the student's sandboxed answers.

The pipeline: rubric (already loaded) → cases → sandbox calls → checks → results.
The student's values arrive from the sandbox as plain arrays; the reference runs
here, in the grader's process, on copies of the same inputs.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from .checks.claims import evaluate_claim
from .checks.values import run_check
from .reference import Reference
from .results import CheckResult, GradeResult, PartResult, QuestionResult
from .rubric.model import Part, Rubric
from .sandbox.launcher import Launcher
from .sandbox.runner import RunLimits, SubmissionRunner
from .session import Session


def grade_part(part: Part, session: Session) -> PartResult:
    checks = evaluate_claim(part, session) if part.claim else [run_check(c, part, session) for c in part.checks]
    total_weight = sum(c.weight for c in checks) or 1.0
    fraction = sum(c.score * c.weight for c in checks) / total_weight
    return PartResult("", part.id, part.title, part.points, round(part.points * fraction, 6), tuple(checks),
                      part.visibility, _upstream_notes(part, session))


def _upstream_notes(part: Part, session: Session) -> tuple[str, ...]:
    """Say which arguments were the correct values of earlier parts (carried errors are not counted twice)."""
    if part.target is None or part.target.kind != "call":
        return ()
    given = [p for p in session.rubric.functions[part.target.name].params if p.upstream]
    return tuple(f"{p.name} was given as the correct value from part {p.upstream}: a mistake there is not "
                 f"counted again here" for p in given)


def grade(rubric: Rubric, reference: Reference, runner: SubmissionRunner) -> GradeResult:
    """Grade the submission behind ``runner`` against ``rubric``."""
    started = time.monotonic()
    session = Session(rubric, reference, runner)
    problem = runner.import_error()
    questions = []
    for question in rubric.questions:
        parts = []
        for part in question.parts:
            if problem is not None:
                result = _not_graded(part, problem.message, problem.details)
            else:
                result = grade_part(part, session)
            parts.append(replace(result, question_id=question.id))
        questions.append(QuestionResult(question.id, question.title, tuple(parts)))
    output = runner.output()
    headline = ""
    if problem is not None:
        headline = problem.message + (f"\n{problem.details}" if problem.details else "")
    return GradeResult(
        submission=str(runner.submission),
        rubric=str(rubric.path),
        title=rubric.title,
        questions=tuple(questions),
        stdout=output.stdout,
        stderr=output.stderr,
        problem=headline,
        execution_time=time.monotonic() - started,
        warnings=_sandbox_warnings(runner),
    )


def _sandbox_warnings(runner: SubmissionRunner) -> tuple[str, ...]:
    missing = runner.missing_layers()
    if not missing:
        return ()
    return (f"warning: the sandbox runs without {', '.join(missing)} on this machine; "
            "see `grade doctor` and the README's security model",)


def grade_submission(rubric: Rubric, reference: Reference, submission: Path, launcher: Launcher,
                     hidden_paths: tuple[str, ...] = ()) -> GradeResult:
    """Grade one file in a fresh sandboxed runner with the rubric's time limits."""
    limits = RunLimits(call_timeout=rubric.defaults.call_timeout, total_timeout=rubric.defaults.total_timeout)
    with SubmissionRunner(submission, limits, launcher, hidden_paths=hidden_paths) as runner:
        return grade(rubric, reference, runner)


def _not_graded(part: Part, message: str, details: str) -> PartResult:
    lines = tuple(line for line in details.splitlines() if line.strip())
    check = CheckResult("import", 0.0, 1.0, message, lines)
    return PartResult("", part.id, part.title, part.points, 0.0, (check,), part.visibility)
