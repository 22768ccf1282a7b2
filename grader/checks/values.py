"""The value checks of a part: exact shape, the handout's literal value, agreement with the reference.

A failing check says what went wrong on which case, and the likely mistake: a
rubric-declared one when the student's value matches it, else a generic diagnosis.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..cases import Case
from ..results import CheckResult
from ..rubric.model import Check, Part, ReferenceCheck, ShapeCheck, Tolerance, ValueCheck
from ..session import Session
from .compare import compare, shorten
from .diagnose import diagnose


def run_check(check: Check, part: Part, session: Session) -> CheckResult:
    """Score one ``shape``, ``value`` or ``reference`` check of a part, with the reasons when it fails."""
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
            diagnosis = _explain(session, part, case, answer.value, expected, tolerance)
            return _failed(check, "shape", summary, "", diagnosis)
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


def _explain(session: Session, part: Part, case: Case | None, student: np.ndarray | None,
             expected: np.ndarray | None, tolerance: Tolerance) -> tuple[str, str] | None:
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


def _failed(check: Check, kind: str, summary: str, details: str = "", diagnosis: tuple[str, str] | None = None,
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
