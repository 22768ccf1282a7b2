"""Grade one submission: run the rubric's checks against the student's sandboxed answers.

The pipeline: rubric (already loaded) → cases → sandbox calls → checks → results.
The student's values arrive from the sandbox as plain arrays; the reference runs
here, in the grader's process, on copies of the same inputs.
"""

from __future__ import annotations

import time
from pathlib import Path
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .cases import Case, named_case, random_case
from .checks.answers import Answer, select_output
from .checks.claims import evaluate_claim
from .checks.compare import compare, shorten
from .checks.diagnose import diagnose
from .reference import Reference, ReferenceImplementationError
from .results import CheckResult, GradeResult, PartResult, QuestionResult
from .rubric.model import Part, ReferenceCheck, Rubric, ShapeCheck, Target, Tolerance, ValueCheck
from .sandbox.launcher import Launcher
from .sandbox.runner import RunLimits, SubmissionRunner


@dataclass
class Session:
    """Everything one submission's grading shares: cases, and cached student and reference answers."""

    rubric: Rubric
    reference: Reference
    runner: SubmissionRunner
    _cases: dict[tuple[str, str], Case] = field(default_factory=dict)
    _student: dict[tuple, Any] = field(default_factory=dict)
    _expected: dict[tuple, Any] = field(default_factory=dict)

    # -- cases ---------------------------------------------------------------

    def named(self, function: str, name: str) -> Case:
        key = (function, name)
        if key not in self._cases:
            self._cases[key] = named_case(self.rubric, self.rubric.functions[function], name)
        return self._cases[key]

    def random(self, function: str, count: int) -> list[Case]:
        cases = []
        for k in range(count):
            key = (function, f"random #{k + 1}")
            if key not in self._cases:
                self._cases[key] = random_case(self.rubric, self.rubric.functions[function], k)
            cases.append(self._cases[key])
        return cases

    def cases_for(self, part: Part) -> list[Case | None]:
        """Every case a part's checks use; ``[None]`` for a constant."""
        target = part.target
        if target.kind == "constant":
            return [None]
        names: list[str] = []
        random = 0
        for check in part.checks:
            if isinstance(check, ValueCheck) and check.case:
                names.append(check.case)
            if isinstance(check, ReferenceCheck):
                names.extend(check.cases)
                random = max(random, check.random)
        unique = list(dict.fromkeys(names))
        return [self.named(target.name, n) for n in unique] + self.random(target.name, random)

    # -- answers -------------------------------------------------------------

    def raw_student(self, function: str, case: Case) -> Any:
        """The student's raw return value (or an :class:`Answer` carrying the error)."""
        key = (function, case.label)
        if key not in self._student:
            args = [case.args[p] for p in self.rubric.functions[function].param_names]
            outcome = self.runner.call(function, args)
            self._student[key] = outcome
        return self._student[key]

    def student(self, target: Target, case: Case | None) -> Answer:
        if target.kind == "constant":
            key = ("constant", target.name)
            if key not in self._student:
                self._student[key] = self.runner.constant(target.name)
            outcome, function = self._student[key], None
        else:
            outcome, function = self.raw_student(target.name, case), self.rubric.functions[target.name]
        if not outcome.ok:
            return Answer(None, outcome.error.message, outcome.error.details)
        return select_output(outcome.value, function, target)

    def expected(self, target: Target, case: Case | None, function_name: str | None = None) -> np.ndarray:
        """The reference's value for ``target`` on ``case`` (or a declared mistake's, by ``function_name``)."""
        name = function_name or target.name
        key = (name, case.label if case else None)
        if key not in self._expected:
            if target.kind == "constant":
                self._expected[key] = self.reference.constant(name)
            else:
                args = [case.args[p] for p in self.rubric.functions[target.name].param_names]
                self._expected[key] = self.reference.call(name, args)
        function = self.rubric.functions.get(target.name) if target.kind == "call" else None
        answer = select_output(self._expected[key], function, target)
        if answer.value is None:
            raise ReferenceImplementationError(self.reference.path, None, (),
                                               f"{name}() on {key[1]}: {answer.problem}")
        return answer.value


# -- checks ------------------------------------------------------------------


def run_check(check, part: Part, session: Session) -> CheckResult:
    if isinstance(check, ShapeCheck):
        return check_shape(check, part, session)
    if isinstance(check, ValueCheck):
        return check_value(check, part, session)
    return check_reference(check, part, session)


def check_shape(check: ShapeCheck, part: Part, session: Session) -> CheckResult:
    cases = session.cases_for(part)
    for case in cases:
        answer = session.student(part.target, case)
        if answer.value is None:
            return _failed(check, "shape", f"{answer.problem}{_on(case)}", answer.details)
        wanted = check.shape.resolve(case.dims if case else {})
        if answer.value.shape != wanted:
            summary = f"shape {answer.value.shape}, expected {wanted} = {check.shape}{_on(case)}"
            expected = session.expected(part.target, case)
            tolerance = session.rubric.defaults.tolerance
            return _failed(check, "shape", summary, "", _explain(session, part, case, answer.value, expected, tolerance))
    return CheckResult("shape", 1.0, check.weight, f"shape {check.shape} on {len(cases)} case(s)")


def check_value(check: ValueCheck, part: Part, session: Session) -> CheckResult:
    case = session.named(part.target.name, check.case) if part.target.kind == "call" else None
    answer = session.student(part.target, case)
    if answer.value is None:
        diagnosis = _explain(session, part, case, None, None, check.tolerance)
        return _failed(check, "value", f"{answer.problem}{_on(case)}", answer.details, diagnosis)
    expected = np.asarray(check.expected, dtype=np.float64)
    result = compare(answer.value, expected, check.tolerance)
    if result.ok:
        return CheckResult("value", 1.0, check.weight, f"= {shorten(expected)}{_on(case)}")
    summary = f"got {shorten(answer.value)}, expected {shorten(expected)}{_on(case)}"
    detail = result.message if result.problem != "shape" and expected.size > 1 else ""
    diagnosis = _explain(session, part, case, answer.value, expected, check.tolerance)
    return _failed(check, "value", summary, detail, diagnosis)


def check_reference(check: ReferenceCheck, part: Part, session: Session) -> CheckResult:
    target = part.target
    cases = [session.named(target.name, n) for n in check.cases] + session.random(target.name, check.random)
    failures: list[tuple[Case, str, str, tuple]] = []
    for case in cases:
        answer = session.student(target, case)
        if answer.value is None:
            failures.append((case, answer.problem, answer.details, None))
            continue
        expected = session.expected(target, case)
        result = compare(answer.value, expected, check.tolerance)
        if not result.ok:
            diagnosis = _explain(session, part, case, answer.value, expected, check.tolerance)
            failures.append((case, result.message, "", diagnosis))
    passed = len(cases) - len(failures)
    if not failures:
        return CheckResult("reference", 1.0, check.weight, f"matches the reference on {len(cases)} case(s)")
    score = passed / len(cases) if check.scoring == "proportional" else 0.0
    case, message, details, diagnosis = failures[0]
    summary = f"wrong on {len(failures)} of {len(cases)} case(s); first: {case.label}{_dims(case)}: {message}"
    return _failed(check, "reference", summary, f"inputs: {_inputs(case)}\n{details}", diagnosis, score)


# -- diagnosis ---------------------------------------------------------------


def _explain(session: Session, part: Part, case: Case | None, student: np.ndarray | None, expected: np.ndarray | None,
             tolerance: Tolerance) -> tuple[str, str] | None:
    """The rubric's declared mistakes first (they know the concept), then the generic detectors.

    For an indexed target (one entry of a gradient) the whole arrays say more than one number does.
    """
    if part.target.index and part.target.kind == "call":
        whole = replace(part.target, index=())
        full = session.student(whole, case)
        if full.value is not None:
            part = replace(part, target=whole)
            student, expected = full.value, session.expected(whole, case)
    if student is None:
        return None
    for mistake in part.mistakes:
        mutant = session.expected(part.target, case, mistake.function)
        if compare(student, mutant, tolerance).ok:
            return f"mistake:{mistake.function}", mistake.message
    batch = case.dims.get(session.rubric.batch_dimension) if case and session.rubric.batch_dimension else None
    found = diagnose(student, expected, rtol=tolerance.rtol, atol=tolerance.atol, batch_size=batch,
                     preactivation=_preactivation(part, case, expected))
    return (found.kind, found.message) if found else None


def _preactivation(part: Part, case: Case | None, expected: np.ndarray) -> np.ndarray | None:
    """The rubric-named pre-activation input, when its shape lets the ReLU′(0) detector use it."""
    if part.preactivation is None or case is None:
        return None
    values = case.args[part.preactivation]
    fits = values.shape == expected.shape or values.ndim == 0 or (
        values.ndim == 1 and expected.ndim >= 1 and values.shape[0] == expected.shape[0])
    return values if fits else None


def _failed(check, kind: str, summary: str, details: str = "", diagnosis: tuple[str, str] | None = None,
            score: float = 0.0) -> CheckResult:
    lines = [line for line in details.splitlines() if line.strip()]
    if diagnosis:
        lines.append(f"likely cause: {diagnosis[1]}")
    return CheckResult(kind, score, check.weight, summary, tuple(lines), diagnosis[0] if diagnosis else None)


def _on(case: Case | None) -> str:
    return f" (on the {case.label} case)" if case and not case.is_random else (f" (on {case.label})" if case else "")


def _dims(case: Case) -> str:
    return " (" + ", ".join(f"{k}={v}" for k, v in sorted(case.dims.items())) + ")" if case.dims else ""


def _inputs(case: Case) -> str:
    return ", ".join(f"{name}={shorten(value, 40)}" for name, value in case.args.items())


# -- parts and submissions -------------------------------------------------------


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
    )


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
