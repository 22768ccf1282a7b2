"""Grade one submission: gather the evidence of every part, then judge it.

The pipeline: rubric (already loaded) → cases → sandbox calls and reference values
(the session) → checks → results. Parts are gathered function by function (all of a
function's cases in one round trip) and reported in the rubric's order.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import replace

from .cases import CaseCache, random_case
from .checks.claims import plan_claim
from .checks.values import CaseVerdict, judge, summarize, uses
from .results import CheckResult, GradeResult, PartResult, QuestionResult
from .rubric.model import CallTarget, Check, CheckedPart, ClaimPart, Function, Part, ReferenceCheck, Rubric
from .sandbox.runner import StudentError, SubmissionRunner
from .session import Session
from .reference import Reference

PartKey = tuple[str, str]  # (question id, part id)


def grade(rubric: Rubric, reference: Reference | None, runner: SubmissionRunner, submission: str,
          cases: CaseCache | None = None) -> GradeResult:
    """Grade the submission behind ``runner`` against ``rubric``; ``submission`` names it in the report.

    Without a ``reference`` (a public rubric), checks that need it are not run: their share of each
    part's points is ``pending``, graded after submission.

    Raises ``SandboxFault`` when the sandbox cannot run it (a fault of the machine, not a grade).
    """
    started = time.monotonic()
    runner.start()  # the worker imports the submission while the first cases are drawn
    _warm_up(rubric)
    problem = runner.import_error()
    if problem is not None:
        checks = {key: [_not_imported(problem)] for key in _keys(rubric)}
    else:
        checks = _judge_all(rubric, Session(rubric, reference, runner, cases))
    output = runner.output()
    return GradeResult(
        submission=submission,
        rubric=str(rubric.path),
        title=rubric.title,
        questions=_questions(rubric, checks),
        stdout=output.stdout,
        output_truncated=output.truncated,
        stderr=output.stderr,
        problem=_headline(problem),
        execution_time=time.monotonic() - started,
        warnings=_sandbox_warnings(runner),
        layers=tuple((layer.name, layer.active) for layer in runner.layers),
        after_submission=rubric.after_submission,
    )


def _judge_all(rubric: Rubric, session: Session) -> dict[PartKey, list[CheckResult]]:
    verdicts: dict[tuple[PartKey, int], list[CaseVerdict]] = defaultdict(list)
    failed: set[tuple[PartKey, int]] = set()  # checks with a failed case already
    keys = {id(part): (question.id, part.id) for question, part in rubric.parts()}
    for function, parts in _calling_parts(rubric):
        for item in session.observe_function(function, parts):
            part, observation = item.part, item.observation
            for index, check in enumerate(part.checks):
                if uses(check, observation.case) and not _deferred(check, session):
                    key = (keys[id(part)], index)
                    verdict = judge(check, part, observation, rubric, first_failure=key not in failed)
                    verdicts[key].append(verdict)
                    if not verdict.ok:
                        failed.add(key)
    checks: dict[PartKey, list[CheckResult]] = {}
    for question, part in rubric.parts():
        key = (question.id, part.id)
        if isinstance(part, ClaimPart):
            checks[key] = [session.run_plan(plan_claim(part, rubric))]
            continue
        if not isinstance(part.target, CallTarget):
            observation = session.observe_constant(part)
            for index, check in enumerate(part.checks):
                verdicts[(key, index)].append(judge(check, part, observation, rubric))
        checks[key] = [_after_submission(check) if _deferred(check, session)
                       else summarize(check, verdicts[(key, index)]) for index, check in enumerate(part.checks)]
    return checks


def _deferred(check: Check, session: Session) -> bool:
    """A check this run cannot make: a comparison with the reference, graded without one."""
    return session.reference is None and isinstance(check, ReferenceCheck)


def _after_submission(check: Check) -> CheckResult:
    return CheckResult("reference", 0.0, check.weight, "graded after submission (compared with the course's "
                       "reference implementation)", deferred=True)


def _warm_up(rubric: Rubric) -> None:
    """Draw one random case (loading numpy's random module) while the worker is busy importing."""
    calling = _calling_parts(rubric)
    if calling:
        random_case(rubric, calling[0][0], 0)


def _calling_parts(rubric: Rubric) -> list[tuple[Function, list[CheckedPart]]]:
    """The checked parts that call each function, functions in the order the rubric first grades them."""
    grouped: dict[str, list[CheckedPart]] = {}
    for _, part in rubric.parts():
        if isinstance(part, CheckedPart) and isinstance(part.target, CallTarget):
            grouped.setdefault(part.target.function, []).append(part)
    return [(rubric.functions[name], parts) for name, parts in grouped.items()]


def _questions(rubric: Rubric, checks: dict[PartKey, list[CheckResult]]) -> tuple[QuestionResult, ...]:
    return tuple(QuestionResult(q.id, q.title, tuple(_part_result(rubric, q.id, p, checks[(q.id, p.id)])
                                                     for p in q.parts))
                 for q in rubric.questions)


def _part_result(rubric: Rubric, question_id: str, part: Part, checks: list[CheckResult]) -> PartResult:
    """The part's score; the share that deferred checks could still earn is ``pending``, not in its points."""
    lowest = part_fraction(checks)  # a deferred check counts as not (yet) passed
    highest = part_fraction([replace(c, score=1.0) if c.deferred else c for c in checks])
    pending = round(part.points * (highest - lowest), 6)
    return PartResult(question_id, part.id, part.title, round(part.points - pending, 6),
                      round(part.points * lowest, 6), tuple(checks), part.visibility, _upstream_notes(rubric, part),
                      pending)


def part_fraction(checks: list[CheckResult]) -> float:
    """The share of a part's points its checks earn: their weighted mean, and nothing when a gate
    (a check of weight 0, such as a shape check by default) fails."""
    if any(c.weight == 0 and not c.passed for c in checks):
        return 0.0
    total_weight = sum(c.weight for c in checks) or 1.0
    return sum(c.score * c.weight for c in checks) / total_weight


def _upstream_notes(rubric: Rubric, part: Part) -> tuple[str, ...]:
    """Say which arguments were the correct values of earlier parts (carried errors are not counted twice)."""
    if not (isinstance(part, CheckedPart) and isinstance(part.target, CallTarget)):
        return ()
    given = [p for p in rubric.functions[part.target.function].params if p.upstream]
    return tuple(f"{p.name} was given as the correct value from part {p.upstream}: a mistake there is not "
                 f"counted again here" for p in given)


def _keys(rubric: Rubric) -> list[PartKey]:
    return [(q.id, p.id) for q, p in rubric.parts()]


def _not_imported(problem: StudentError) -> CheckResult:
    lines = tuple(line for line in problem.details.splitlines() if line.strip())
    return CheckResult("import", 0.0, 1.0, problem.message, lines)


def _headline(problem: StudentError | None) -> str:
    if problem is None:
        return ""
    return problem.message + (f"\n{problem.details}" if problem.details else "")


def _sandbox_warnings(runner: SubmissionRunner) -> tuple[str, ...]:
    missing = runner.missing_layers()
    if not missing:
        return ()
    return (f"warning: the sandbox runs without {', '.join(missing)} on this machine; "
            "see `grade doctor` and the README's security model",)
