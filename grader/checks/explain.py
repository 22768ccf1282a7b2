"""Why a part's answers are wrong: first case by case, then one verdict for the whole part.

Case by case (:func:`explain_case`), in this order:

1. which of the rubric's declared ``mistakes`` give the student's answer;
2. the generic detectors of :mod:`.diagnose`, on the answer itself, then on the step of an update
   (θ_new − θ, when the output updates a parameter of the same shape);
3. which automatic mutants of the reference (:mod:`.mutants`) give the student's answer here.

For the part (:func:`part_finding`), over every case its diagnosing check judged:

* a side effect the session observed (an argument changed in place, a repeated call answering
  differently) is named first: it is a fact about the student's function, not a guess;
* a declared mistake that gives the student's answer on every failing case is named (the first in
  the rubric's order): it was written for this mistake, and knows the handout's words;
* a generic diagnosis stands only when every failing case with a value has one with the same
  ``key`` (a factor that changes from case to case is no constant factor); a constant factor
  needs two failing cases; a case that is all zeros does not contradict integer truncation;
* the automatic mutants that reproduce the student's answers on *every* case (passed and failed,
  at least three of them random) are named when they are one mutant, or several with the same
  diagnosis; several with different classes say nothing;
* when both a generic diagnosis and a mutant stand, the generic one wins unless it is only the
  ``wrong_shape`` fallback (an exact relation such as s = −r is a fact, the mutant a
  hypothesis); the mutant's sentence is used when the two agree on the class.

Only one check of a part diagnoses (:func:`diagnosing_check`): the comparison with the reference
when there is one (it sees the most cases), else the value check, else the shape check; the
others' reasons stand without a cause, so a part rarely shows two causes. A value check on a case
the comparison does not use (the handout's kink, compared on random cases only) diagnoses too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..answers import Answer
from ..cases import Case
from ..results import Finding
from ..rubric.model import (FLOAT32, CallTarget, Check, CheckedPart, ReferenceCheck, Rubric, ShapeCheck, Tolerance,
                            ValueCheck)
from .compare import compare
from .diagnose import diagnose, diagnose_step
from .evidence import Observation

if TYPE_CHECKING:  # the mutation engine is imported only when a student's answer is wrong (see the session)
    from .mutants import MutantInfo

MIN_RANDOM_CASES = 3  # a mutant is named only on this many random cases, at least

_GENERIC_MESSAGE = {  # when several mutants of one class match at different places
    "sign_flipped": "A sign error: one of the terms or differences has the wrong sign.",
    "transposed": "A matrix product in the wrong order or orientation: the result uses a transposed matrix.",
    "scaled": "A constant factor is missing or extra (e.g. a 2 from a square, the ½ of a loss, the 1/N of a mean).",
    "missing_path": "A contribution is missing: the multivariate chain rule (or a sum over examples) adds up "
                    "every path, and one is left out.",
    "missing_factor": "A factor of the chain rule is missing: one local derivative (or the upstream gradient) "
                      "in the product is left out.",
    "activation_derivative_missing": "An activation's derivative is missing from the chain rule.",
    "relu_mask_wrong_array": "The ReLU′ mask is built from the wrong array: it is 1 where the pre-activation "
                             "is > 0.",
    "bias_missing": "A bias (intercept) term is left out.",
}


@dataclass(frozen=True)
class CaseExplanation:
    """What one case says about a wrong (or right) answer."""

    finding: Finding | None = None  # this case's own explanation: a side effect or a generic detector
    key: str = ""  # what must agree on every failing case for a generic finding to stand
    declared: tuple[Finding, ...] = ()  # the rubric's declared mistakes that give this answer, in rubric order
    matched: frozenset[MutantInfo] | None = None  # automatic mutants giving this answer (None: not gathered)
    random: bool = False  # a random case (mutants are named on three of them at least)


def diagnosing_check(part: CheckedPart) -> Check | None:
    """The check of ``part`` whose cases explain its mistake best (see the module docstring)."""
    for kind in (ReferenceCheck, ValueCheck, ShapeCheck):
        for check in part.checks:
            if isinstance(check, kind):
                return check
    return None


def diagnoses(check: Check, part: CheckedPart) -> bool:
    """Whether ``check`` explains its failures: the diagnosing check, and a value check on a case that check
    does not see (e.g. the handout's kink when the comparison uses random cases only)."""
    main = diagnosing_check(part)
    if check is main:
        return True
    return isinstance(check, ValueCheck) and isinstance(main, ReferenceCheck) and check.case not in main.cases


def explain_case(part: CheckedPart, obs: Observation, student: np.ndarray | None, expected: np.ndarray | None,
                 tolerance: Tolerance, rubric: Rubric) -> CaseExplanation:
    """Explain one case of ``part``; ``student`` is None when the call gave no value."""
    case = obs.case
    random = bool(case is not None and case.is_random)
    if part.target.index and obs.student_whole.value is not None and obs.expected_whole is not None:
        student, expected = obs.student_whole.value, obs.expected_whole  # the whole arrays say more than one entry
    if student is None or expected is None:  # no value, or no reference (a public rubric)
        return CaseExplanation(random=random)
    matched = _matched(obs.variants, student, tolerance)
    if compare(student, expected, tolerance).ok:
        return CaseExplanation(matched=matched, random=random)
    declared = tuple(Finding(mistake.function, mistake.message, declared=True) for mistake, mutant in obs.mutants
                     if compare(student, mutant, tolerance).ok)
    batch = case.dims.get(rubric.batch_dimension) if case and rubric.batch_dimension else None
    found = diagnose(student, expected, rtol=tolerance.rtol, atol=tolerance.atol, batch_size=batch,
                     preactivation=_preactivation(part, case, expected))
    if found is None or found.kind == "wrong_shape":
        start = _update_origin(part, case, rubric, expected)
        stepped = diagnose_step(student, expected, start, rtol=tolerance.rtol, atol=tolerance.atol,
                                batch_size=batch) if start is not None else None
        found = stepped or found
    if found is None:
        return CaseExplanation(matched=matched, random=random, declared=declared)
    return CaseExplanation(Finding(found.kind, found.message), found.key, declared, matched, random)


def part_finding(explanations: Sequence[CaseExplanation | None], failed: Sequence[bool]) -> Finding | None:
    """One finding for a check from its cases' explanations (in case order; ``failed[i]`` says whether case
    i failed, and its explanation is None when the case was not explained). See the module docstring."""
    failing = [e for e, bad in zip(explanations, failed) if bad and e is not None]
    if not any(failed):
        return None
    side_effect = next((e.finding for e in failing if e.key.startswith("side_effect:")), None)
    if side_effect is not None:  # observed directly (an argument changed, a repeated call answered otherwise)
        return side_effect
    declared = _declared(failing)
    if declared is not None:
        return declared
    generic = _agreed(failing)
    mutant = _mutant(explanations)
    if mutant is None:
        return generic
    if generic is None or generic.kind == "wrong_shape":
        return mutant
    if generic.kind == mutant.kind:
        return Finding(mutant.kind, mutant.message) if _unique_message(explanations) else generic
    return generic


def needs_variants(part: CheckedPart, student: Answer, expected: np.ndarray | None) -> bool:
    """Whether this case is worth the automatic mutants: a part that compares with the reference on random
    cases, a student value, and one that does not match."""
    check = diagnosing_check(part)
    if not isinstance(check, ReferenceCheck) or check.random < MIN_RANDOM_CASES:
        return False
    if student.value is None or expected is None:
        return False
    return not compare(student.value, expected, check.tolerance).ok


def reproduces(student: Answer, value: np.ndarray | None, info: MutantInfo, part: CheckedPart) -> bool:
    """Whether a mutant's output ``value`` gives the student's answer, at the tolerance of the part's diagnosing
    check, widened for a float32 answer (for the session, which tries each mutant on one case before computing
    it on all: a looser test there only keeps more mutants)."""
    if student.value is None or value is None:
        return False
    check = diagnosing_check(part)
    tolerance = check.tolerance if isinstance(check, (ReferenceCheck, ValueCheck)) else Tolerance()
    if student.is_low_precision:
        tolerance = tolerance.widened(FLOAT32)
    return _reproduces(student.value, value, info, tolerance)


# -- the pieces ---------------------------------------------------------------------------------


def _matched(variants, student: np.ndarray, tolerance: Tolerance) -> frozenset[MutantInfo] | None:
    if variants is None:
        return None
    return frozenset(info for info, value in variants if value is not None and _reproduces(student, value, info,
                                                                                             tolerance))


def _reproduces(student: np.ndarray, value: np.ndarray, info: MutantInfo, tolerance: Tolerance) -> bool:
    if compare(student, value, tolerance).ok:
        return True
    # an intercept left out of the forward pass: the student's gradient also lacks the (then zero) bias column
    if info.operator == "intercept" and info.kind == "bias_missing" and value.ndim >= 1 and value.shape[-1] > 1 \
            and np.all(np.abs(value[..., 0]) <= tolerance.atol):
        return compare(student, value[..., 1:], tolerance).ok
    return False


def _declared(failing: list[CaseExplanation]) -> Finding | None:
    """The first declared mistake (in the rubric's order) that gives the student's answer on every failing case."""
    if not failing or not failing[0].declared:
        return None
    for finding in failing[0].declared:
        if all(finding in e.declared for e in failing[1:]):
            return finding
    return None


def _agreed(failing: list[CaseExplanation]) -> Finding | None:
    """The generic finding when every failing case with a value agrees on it."""
    if not failing or any(e.finding is None for e in failing):
        return None
    keys = {e.key for e in failing}
    if keys == {"integer_truncation", "zeros"}:  # values below 1 truncate to 0: the same mistake
        return next(e.finding for e in failing if e.key == "integer_truncation")
    if len(keys) != 1:
        return None
    (key,) = keys
    if key.startswith("scaled") and len(failing) < 2:
        # on one case a factor may be a coincidence (a wrong ŷ − y scales every gradient of the handout's
        # example): a constant factor shows on two cases at least
        return None
    return failing[0].finding


def _mutant(explanations: Sequence[CaseExplanation | None]) -> Finding | None:
    """The automatic mutants that reproduce every case, when they agree on one class."""
    if not explanations or any(e is None or e.matched is None for e in explanations):
        return None
    if sum(e.random for e in explanations) < MIN_RANDOM_CASES:
        return None
    common = frozenset.intersection(*(e.matched for e in explanations))
    if not common:
        return None
    kinds = {info.kind for info in common}
    if len(kinds) != 1:
        return None
    (kind,) = kinds
    messages = sorted({info.message for info in common})
    if len(messages) == 1:
        return Finding(kind, messages[0])
    return Finding(kind, _GENERIC_MESSAGE.get(kind, messages[0])) if kind in _GENERIC_MESSAGE else None


def _unique_message(explanations: Sequence[CaseExplanation | None]) -> bool:
    common = frozenset.intersection(*(e.matched for e in explanations))
    return len({info.message for info in common}) == 1


def _preactivation(part: CheckedPart, case: Case | None, expected: np.ndarray) -> np.ndarray | None:
    """The rubric-named pre-activation input, when its shape lets the ReLU′ detectors use it."""
    if part.preactivation is None or case is None:
        return None
    values = case.args[part.preactivation]
    fits = values.shape == expected.shape or values.ndim == 0 or (
        values.ndim == 1 and expected.ndim >= 1 and values.shape[0] == expected.shape[0])
    return values if fits else None


def _update_origin(part: CheckedPart, case: Case | None, rubric: Rubric, expected: np.ndarray) -> np.ndarray | None:
    """The parameter an output updates (``W1`` for ``W1_new``, ``V`` for ``V_new``), with its shape."""
    if case is None or not isinstance(part.target, CallTarget) or not part.target.output:
        return None
    function = rubric.functions.get(part.target.function)
    output = part.target.output
    for param in function.param_names if function else ():
        if output in (f"{param}_new", f"new_{param}", f"{param}_next") and param in case.args:
            start = np.asarray(case.args[param], dtype=np.float64)
            return start if start.shape == expected.shape else None
    return None
