"""The value checks of a part: exact shape, the handout's literal value, agreement with the reference.

Pure functions over gathered evidence. Each check first judges the cases it uses one
at a time (:func:`judge`, a small :class:`CaseVerdict` per case, so a part's large
arrays need not stay in memory together), then :func:`summarize` turns the verdicts
into the check's score and reasons. A failing case says what went wrong and the likely
mistake: a rubric-declared one when the student's value matches it, else a generic
diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..cases import Case
from ..results import CheckResult, Finding
from ..rubric.model import (FLOAT32, CallTarget, Check, CheckedPart, ReferenceCheck, Rubric, ShapeCheck, Tolerance,
                            ValueCheck)
from .compare import compare, shorten
from .evidence import Observation
from .explain import CaseExplanation, diagnoses, explain_case, part_finding


@dataclass(frozen=True)
class CasePlan:
    """The cases a part needs: named ones (in order), the first ``random`` random ones and the first
    ``edges`` edge cases."""

    named: tuple[str, ...]
    random: int
    edges: int = 0

    def needs(self, case: Case) -> bool:
        if case.is_random:
            return case.index < self.random
        if case.is_edge:
            return case.edge < self.edges
        return case.label in self.named


@dataclass(frozen=True)
class CaseVerdict:
    """One check's verdict on one case."""

    ok: bool
    message: str = ""
    details: str = ""
    finding: Finding | None = None
    case: str = ""  # the case's label and dimensions, e.g. "random #1 (d=2, h=6)"
    inputs: str = ""  # the case's inputs, shortened, when it failed
    remark: str = ""  # something the student should know even when the case passed (e.g. float32)
    explanation: CaseExplanation | None = None  # what this case says about the mistake (see .explain)
    error: str = ""  # the call's own failure (no value to judge), e.g. "f() raised ValueError: ..."


def case_plan(part: CheckedPart) -> CasePlan:
    """Every case a part's checks use (none for a constant: it has exactly one value)."""
    names: list[str] = []
    random = edges = 0
    for check in part.checks:
        if isinstance(check, ValueCheck) and check.case:
            names.append(check.case)
        if isinstance(check, ReferenceCheck):
            names.extend(check.cases)
            random, edges = max(random, check.random), max(edges, check.edges)
    return CasePlan(tuple(dict.fromkeys(names)), random, edges)


def uses(check: Check, case: Case | None) -> bool:
    """Whether ``check`` judges ``case`` (one of its part's cases)."""
    if case is None or isinstance(check, ShapeCheck):
        return True
    if isinstance(check, ValueCheck):
        return case.label == check.case
    return CasePlan(check.cases, check.random, check.edges).needs(case)


def judge(check: Check, part: CheckedPart, observation: Observation, rubric: Rubric,
          first_failure: bool = True) -> CaseVerdict:
    """Judge one case for one check of a part (``first_failure``: no earlier case of this check failed, so
    this one's inputs may be shown; rendering them for every failing case would be wasted work)."""
    if isinstance(check, ShapeCheck):
        return _judge_shape(check, part, observation, rubric)
    if isinstance(check, ValueCheck):
        return _judge_value(check, part, observation, rubric)
    return _judge_reference(check, part, observation, rubric, first_failure)


def summarize(check: Check, verdicts: list[CaseVerdict]) -> CheckResult:
    """The check's score and reasons from its verdicts, in case order."""
    failures = [v for v in verdicts if not v.ok]
    remarks = tuple(dict.fromkeys(v.remark for v in verdicts if v.remark))
    errors = {v.error for v in failures}
    error = errors.pop() if len(errors) == 1 else ""  # the same call failure on every failing case
    return replace(_summarize(check, verdicts, failures), remarks=remarks, error=error)


def _summarize(check: Check, verdicts: list[CaseVerdict], failures: list[CaseVerdict]) -> CheckResult:
    if isinstance(check, ShapeCheck):
        if failures:
            return _failed(check, "shape", failures[0].message, failures[0].details, _finding(verdicts))
        return CheckResult("shape", 1.0, check.weight, f"shape {check.shape} on {len(verdicts)} case(s)")
    if isinstance(check, ValueCheck):  # its case, and maybe the same case called again
        verdict = failures[0] if failures else verdicts[0]
        if verdict.ok:
            return CheckResult("value", 1.0, check.weight, verdict.message)
        return _failed(check, "value", verdict.message, verdict.details, _finding(verdicts))
    if not failures:
        return CheckResult("reference", 1.0, check.weight, f"matches the reference on {len(verdicts)} case(s)")
    score = (len(verdicts) - len(failures)) / len(verdicts) if check.scoring == "proportional" else 0.0
    first = failures[0]
    summary = f"wrong on {len(failures)} of {len(verdicts)} case(s); first: {first.case}: {first.message}"
    # the first failing case's inputs, so the student can rerun it; not when every case failed the same way
    # (a stub's NotImplementedError): then they explain nothing (see grader.report.printed)
    uniform = len(failures) == len(verdicts) and first.error and all(v.error == first.error for v in failures)
    details = first.details if uniform else f"inputs: {first.inputs}\n{first.details}"
    return _failed(check, "reference", summary, details, _finding(verdicts), score)


def _finding(verdicts: list[CaseVerdict]) -> Finding | None:
    """The check's one explanation of its failures, from all its cases (see .explain)."""
    return part_finding([v.explanation for v in verdicts], [not v.ok for v in verdicts])


# -- one case ------------------------------------------------------------------


def _judge_shape(check: ShapeCheck, part: CheckedPart, obs: Observation, rubric: Rubric) -> CaseVerdict:
    answer, case = obs.student, obs.case
    if answer.value is None:
        return CaseVerdict(False, f"{answer.problem}{_on(case)}", answer.details, error=answer.problem)
    try:
        wanted = check.shape.resolve(case.dims if case else {})
    except KeyError:  # a dimension no argument's shape gives: the reference's own shape says it
        wanted = np.shape(obs.expected)
    if answer.value.shape == wanted:
        return CaseVerdict(True)
    summary = f"shape {answer.value.shape}, expected {wanted} = {check.shape}{_on(case)}"
    return _verdict(False, summary, explanation=_explain(check, part, obs, answer.value, obs.expected,
                                                         rubric.defaults.tolerance, rubric))


def _judge_value(check: ValueCheck, part: CheckedPart, obs: Observation, rubric: Rubric) -> CaseVerdict:
    answer, case = obs.student, obs.case
    if answer.value is None:  # an indexed target may still be explained by its whole value
        return _verdict(False, f"{answer.problem}{_on(case)}", answer.details, error=answer.problem,
                        explanation=_explain(check, part, obs, None, None, check.tolerance, rubric))
    side_effect = _side_effect(part, obs, rubric)
    if side_effect is not None:
        return _verdict(False, f"{side_effect.message}{_on(case)}", explanation=_side_effect_explanation(side_effect))
    expected = np.asarray(check.expected, dtype=np.float64)
    tolerance = _tolerance(check.tolerance, answer, rubric)
    result = compare(answer.value, expected, tolerance)
    if result.ok:
        return CaseVerdict(True, f"= {shorten(expected)}{_on(case)}", remark=_precision_remark(answer, tolerance))
    summary = f"got {shorten(answer.value)}, expected {shorten(expected)}{_on(case)}"
    detail = result.message if result.problem != "shape" and expected.size > 1 else ""
    return _verdict(False, summary, detail, explanation=_explain(check, part, obs, answer.value, expected, tolerance,
                                                                 rubric))


def _judge_reference(check: ReferenceCheck, part: CheckedPart, obs: Observation, rubric: Rubric,
                     first_failure: bool = True) -> CaseVerdict:
    answer, case = obs.student, obs.case
    where = f"{case.title}{_dims(case)}"
    inputs = (lambda: _inputs(case)) if first_failure else (lambda: "")  # only the first failure shows them
    if answer.value is None:
        return CaseVerdict(False, answer.problem, answer.details, case=where, inputs=inputs(), error=answer.problem)
    side_effect = _side_effect(part, obs, rubric)
    if side_effect is not None:
        return _verdict(False, side_effect.message, case=where, inputs=inputs(),
                        explanation=_side_effect_explanation(side_effect))
    tolerance = _tolerance(check.tolerance, answer, rubric)
    result = compare(answer.value, obs.expected, tolerance)
    if result.ok:  # a passed case still says which automatic mutants (when gathered) agree with the student
        explanation = _explain(check, part, obs, answer.value, obs.expected, tolerance, rubric) \
            if obs.variants is not None else None
        return CaseVerdict(True, case=where, remark=_precision_remark(answer, tolerance), explanation=explanation)
    return _verdict(False, result.message, case=where, inputs=inputs(),
                    explanation=_explain(check, part, obs, answer.value, obs.expected, tolerance, rubric))


@dataclass(frozen=True)
class _SideEffect:
    message: str
    finding: Finding


def _side_effect(part: CheckedPart, obs: Observation, rubric: Rubric) -> _SideEffect | None:
    """A call that changed its arguments (unless the rubric allows it), or that answered a repeated
    case differently: the returned value alone would hide both."""
    function = rubric.functions.get(part.target.name) if isinstance(part.target, CallTarget) else None
    if obs.mutated and function is not None and not function.in_place_allowed:
        names = ", ".join(obs.mutated)
        noun = "argument" if len(obs.mutated) == 1 else "arguments"
        return _SideEffect(
            f"{function.name}() changed its {noun} {names} in place",
            Finding("mutates_input", f"Your function modifies its input {names} in place (e.g. {obs.mutated[0]} -= …, "
                                     f"or {obs.mutated[0]}[i] = … on the array it was given): the caller's array "
                                     "changes too. Work on a copy, or build a new array "
                                     f"({obs.mutated[0]} = {obs.mutated[0]} - …)."))
    repeat = obs.repeat_of
    if repeat is not None and repeat.value is not None and not _same(obs.student.value, repeat.value):
        return _SideEffect(
            "called again at once with the same inputs, it returned a different value",
            Finding("keeps_state", "Your function answers the same inputs differently when called again: it keeps state "
                                   "between calls (a module-level total, a list it appends to, a global that "
                                   "grows) or draws random numbers. Compute everything from the arguments."))
    return None


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Exactly the same answer (NaN where NaN: a function that returns NaN twice keeps no state)."""
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def _tolerance(tolerance: Tolerance, answer, rubric: Rubric) -> Tolerance:
    """float32 results earn credit at float32 precision unless the rubric requires float64."""
    if answer.is_low_precision and not rubric.defaults.require_float64:
        return tolerance.widened(FLOAT32)
    return tolerance


def _precision_remark(answer, tolerance: Tolerance) -> str:
    if not answer.is_low_precision:
        return ""
    return (f"your results are {answer.dtype}: compared at {answer.dtype} precision (rtol {tolerance.rtol:g}); "
            "use float64 (numpy's default) for full precision")


# -- diagnosis -----------------------------------------------------------------


def _explain(check: Check, part: CheckedPart, obs: Observation, student: np.ndarray | None,
             expected: np.ndarray | None, tolerance: Tolerance, rubric: Rubric) -> CaseExplanation | None:
    """This case's explanation, when ``check`` is the one of its part that diagnoses (see .explain)."""
    if not diagnoses(check, part):
        return None
    return explain_case(part, obs, student, expected, tolerance, rubric)


def _verdict(ok: bool, message: str, details: str = "", *, explanation: CaseExplanation | None = None,
             **fields) -> CaseVerdict:
    finding = explanation.finding if explanation is not None else None
    return CaseVerdict(ok, message, details, finding, explanation=explanation, **fields)


def _side_effect_explanation(side_effect: "_SideEffect") -> CaseExplanation:
    return CaseExplanation(side_effect.finding, f"side_effect:{side_effect.finding.kind}")


def _failed(check: Check, kind: str, summary: str, details: str = "", finding: Finding | None = None,
            score: float = 0.0) -> CheckResult:
    lines = tuple(line for line in details.splitlines() if line.strip())
    return CheckResult(kind, score, check.weight, summary, lines, finding)


def _on(case: Case | None) -> str:
    if case is None:
        return ""
    return f" (on the {case.title} case)" if not (case.is_random or case.is_edge) else f" (on {case.title})"


def _dims(case: Case) -> str:
    return " (" + ", ".join(f"{k}={v}" for k, v in sorted(case.dims.items())) + ")" if case.dims else ""


def _inputs(case: Case) -> str:
    return ", ".join(f"{name}={shorten(value, 40)}" for name, value in case.args.items())
