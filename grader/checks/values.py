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
from .diagnose import diagnose
from .evidence import Observation


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


def judge(check: Check, part: CheckedPart, observation: Observation, rubric: Rubric) -> CaseVerdict:
    """Judge one case for one check of a part."""
    if isinstance(check, ShapeCheck):
        return _judge_shape(check, part, observation, rubric)
    if isinstance(check, ValueCheck):
        return _judge_value(check, part, observation, rubric)
    return _judge_reference(check, part, observation, rubric)


def summarize(check: Check, verdicts: list[CaseVerdict]) -> CheckResult:
    """The check's score and reasons from its verdicts, in case order."""
    failures = [v for v in verdicts if not v.ok]
    remarks = tuple(dict.fromkeys(v.remark for v in verdicts if v.remark))
    return replace(_summarize(check, verdicts, failures), remarks=remarks)


def _summarize(check: Check, verdicts: list[CaseVerdict], failures: list[CaseVerdict]) -> CheckResult:
    if isinstance(check, ShapeCheck):
        if failures:
            return _failed(check, "shape", failures[0].message, failures[0].details, failures[0].finding)
        return CheckResult("shape", 1.0, check.weight, f"shape {check.shape} on {len(verdicts)} case(s)")
    if isinstance(check, ValueCheck):  # its case, and maybe the same case called again
        verdict = failures[0] if failures else verdicts[0]
        if verdict.ok:
            return CheckResult("value", 1.0, check.weight, verdict.message)
        return _failed(check, "value", verdict.message, verdict.details, verdict.finding)
    if not failures:
        return CheckResult("reference", 1.0, check.weight, f"matches the reference on {len(verdicts)} case(s)")
    score = (len(verdicts) - len(failures)) / len(verdicts) if check.scoring == "proportional" else 0.0
    first = failures[0]
    summary = f"wrong on {len(failures)} of {len(verdicts)} case(s); first: {first.case}: {first.message}"
    return _failed(check, "reference", summary, f"inputs: {first.inputs}\n{first.details}", first.finding, score)


# -- one case ------------------------------------------------------------------


def _judge_shape(check: ShapeCheck, part: CheckedPart, obs: Observation, rubric: Rubric) -> CaseVerdict:
    answer, case = obs.student, obs.case
    if answer.value is None:
        return CaseVerdict(False, f"{answer.problem}{_on(case)}", answer.details)
    try:
        wanted = check.shape.resolve(case.dims if case else {})
    except KeyError:  # a dimension no argument's shape gives: the reference's own shape says it
        wanted = np.shape(obs.expected)
    if answer.value.shape == wanted:
        return CaseVerdict(True)
    summary = f"shape {answer.value.shape}, expected {wanted} = {check.shape}{_on(case)}"
    return CaseVerdict(False, summary, finding=_explain(part, obs, answer.value, obs.expected,
                                                        rubric.defaults.tolerance, rubric))


def _judge_value(check: ValueCheck, part: CheckedPart, obs: Observation, rubric: Rubric) -> CaseVerdict:
    answer, case = obs.student, obs.case
    if answer.value is None:
        finding = _explain(part, obs, None, None, check.tolerance, rubric)
        return CaseVerdict(False, f"{answer.problem}{_on(case)}", answer.details, finding)
    side_effect = _side_effect(part, obs, rubric)
    if side_effect is not None:
        return CaseVerdict(False, f"{side_effect.message}{_on(case)}", finding=side_effect.finding)
    expected = np.asarray(check.expected, dtype=np.float64)
    tolerance = _tolerance(check.tolerance, answer, rubric)
    result = compare(answer.value, expected, tolerance)
    if result.ok:
        return CaseVerdict(True, f"= {shorten(expected)}{_on(case)}", remark=_precision_remark(answer, tolerance))
    summary = f"got {shorten(answer.value)}, expected {shorten(expected)}{_on(case)}"
    detail = result.message if result.problem != "shape" and expected.size > 1 else ""
    return CaseVerdict(False, summary, detail, _explain(part, obs, answer.value, expected, tolerance, rubric))


def _judge_reference(check: ReferenceCheck, part: CheckedPart, obs: Observation, rubric: Rubric) -> CaseVerdict:
    answer, case = obs.student, obs.case
    where = f"{case.title}{_dims(case)}"
    if answer.value is None:
        return CaseVerdict(False, answer.problem, answer.details, case=where, inputs=_inputs(case))
    side_effect = _side_effect(part, obs, rubric)
    if side_effect is not None:
        return CaseVerdict(False, side_effect.message, finding=side_effect.finding, case=where, inputs=_inputs(case))
    tolerance = _tolerance(check.tolerance, answer, rubric)
    result = compare(answer.value, obs.expected, tolerance)
    if result.ok:
        return CaseVerdict(True, case=where, remark=_precision_remark(answer, tolerance))
    finding = _explain(part, obs, answer.value, obs.expected, tolerance, rubric)
    return CaseVerdict(False, result.message, finding=finding, case=where, inputs=_inputs(case))


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
    if repeat is not None and repeat.value is not None and not Tolerance(0, 0).close(obs.student.value, repeat.value):
        return _SideEffect(
            "called again at once with the same inputs, it returned a different value",
            Finding("keeps_state", "Your function answers the same inputs differently when called again: it keeps state "
                                   "between calls (a module-level total, a list it appends to, a global that "
                                   "grows) or draws random numbers. Compute everything from the arguments."))
    return None


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


def _explain(part: CheckedPart, obs: Observation, student: np.ndarray | None, expected: np.ndarray | None,
             tolerance: Tolerance, rubric: Rubric) -> Finding | None:
    """The rubric's declared mistakes first (they know the concept), then the generic detectors.

    For an indexed target (one entry of a gradient) the whole arrays say more than one number does.
    """
    if part.target.index and obs.student_whole.value is not None and obs.expected_whole is not None:
        student, expected = obs.student_whole.value, obs.expected_whole
    if student is None or expected is None:  # no expected value without a reference (a public rubric)
        return None
    for mistake, mutant in obs.mutants:
        if _matches(student, mutant, tolerance):
            return Finding(mistake.function, mistake.message, declared=True)
    case = obs.case
    batch = case.dims.get(rubric.batch_dimension) if case and rubric.batch_dimension else None
    found = diagnose(student, expected, rtol=tolerance.rtol, atol=tolerance.atol, batch_size=batch,
                     preactivation=_preactivation(part, case, expected))
    return Finding(found.kind, found.message) if found else None


def _matches(student: np.ndarray, mutant: np.ndarray, tolerance: Tolerance) -> bool:
    """Whether the student reproduces a declared mistake, NaN and inf included (an overflowing softmax
    is recognised by its NaNs where the mistake has them)."""
    if student.shape != mutant.shape:
        return False
    finite = np.isfinite(mutant)
    if not np.array_equal(np.where(finite, 0, student), np.where(finite, 0, mutant), equal_nan=True):
        return False  # NaN and ±inf where the mistake has them, and only there
    return bool(np.all(tolerance.within(student[finite], mutant[finite])))


def _preactivation(part: CheckedPart, case: Case | None, expected: np.ndarray) -> np.ndarray | None:
    """The rubric-named pre-activation input, when its shape lets the ReLU′(0) detector use it."""
    if part.preactivation is None or case is None:
        return None
    values = case.args[part.preactivation]
    fits = values.shape == expected.shape or values.ndim == 0 or (
        values.ndim == 1 and expected.ndim >= 1 and values.shape[0] == expected.shape[0])
    return values if fits else None


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
