"""Claims: properties of the student's own functions that the handouts state in words.

- ``symmetry``: with constant initialisation hidden units stay identical (and with
  random initialisation they do not, so a function returning zeros fails);
- ``gradient_check``: the student's gradients agree with central finite
  differences of the student's own loss, which catches a wrong gradient even where
  the rubric has no reference for it;
- ``gradient_shapes``: every gradient has the shape of its parameter.

A claim is a *plan*: a generator that yields the calls it needs (:class:`Calls`, all of
one round together), receives their outcomes, and returns the verdict. It performs no
I/O itself; the session runs the calls in the sandbox. The inputs come from the
rubric's seeded generator, so the verdict is the same on every run. Every call of a
round is made, and the first failure in the order a person would check (trial by
trial) is reported.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any, Generator, Mapping, Sequence

import numpy as np

from ..answers import select_output
from ..cases import Case, random_case, redrawn
from ..results import CheckResult
from ..rubric.errors import RubricError
from ..rubric.model import (CallTarget, ClaimPart, Function, GradientCheckClaim, GradientShapesClaim, Rubric,
                            SymmetryClaim)
from ..sandbox.runner import CallOutcome

_CASE_OFFSET = {"symmetry": 1000, "gradient_check": 2000, "gradient_shapes": 3000}
_MAX_ENTRIES = 24  # finite-difference entries per parameter and trial


@dataclass(frozen=True)
class Calls:
    """What a claim asks for next: ``function`` called once per argument mapping, in order, in the
    student's submission or (``reference=True``) in the course's reference implementation."""

    function: Function
    args: tuple[Mapping[str, np.ndarray], ...]
    reference: bool = False
    optional: bool = False  # a reference call the claim can do without (a public rubric answers None)

    def positional(self) -> list[list[np.ndarray]]:
        return [[a[p] for p in self.function.param_names] for a in self.args]


ClaimPlan = Generator[Calls, list[CallOutcome], CheckResult]


class ClaimFailure(Exception):
    """The claim does not hold; the message says where."""


def plan_claim(part: ClaimPart, rubric: Rubric) -> ClaimPlan:
    """The claim's plan; all or nothing, with the first counter-example as the reason."""
    claim = part.claim
    try:
        if isinstance(claim, SymmetryClaim):
            summary = yield from _symmetry(claim, part, rubric)
        elif isinstance(claim, GradientCheckClaim):
            summary = yield from _gradients(claim, part, rubric)
        else:
            summary = yield from _gradient_shapes(claim, rubric)
    except ClaimFailure as failure:
        lines = str(failure).split("\n")
        return CheckResult(claim.kind, 0.0, 1.0, lines[0], tuple(lines[1:]))
    return CheckResult(claim.kind, 1.0, 1.0, summary)


# -- reading the student's answers --------------------------------------------------


@dataclass(frozen=True)
class _Failed:
    """A call (or its output) that gave nothing usable, and why."""

    message: str


def _raw(outcome: CallOutcome) -> Any:
    if not outcome.ok:
        raise ClaimFailure(f"{outcome.error.message}\n{outcome.error.details}".rstrip())
    return outcome.value


def _output(raw: Any, function: Function, output: str | None) -> np.ndarray:
    target = CallTarget(function.name, output if len(function.returns) > 1 else None)
    answer = select_output(raw, function, target)
    if answer.value is None:
        raise ClaimFailure(answer.problem)
    if not np.isfinite(answer.value).all():
        raise ClaimFailure(f"{function.name}() output '{output}' contains NaN or inf")
    return answer.value


def _outputs(outcome: CallOutcome, function: Function) -> dict[str, np.ndarray] | _Failed:
    try:
        raw = _raw(outcome)
        return {r.name: _output(raw, function, r.name) for r in function.returns}
    except ClaimFailure as failure:
        return _Failed(str(failure))


def _trial_case(rubric: Rubric, function: Function, kind: str, trial: int) -> Case:
    return random_case(rubric, function, _CASE_OFFSET[kind] + trial)


# -- symmetry ---------------------------------------------------------------------


def _spread(array: np.ndarray, axis: str) -> float:
    """How far the entries (``all``), rows or columns of ``array`` are from being identical."""
    if array.size == 0:
        return 0.0
    if axis == "all" or array.ndim < 2:
        deviation = array - array.flat[0]
    elif axis == "rows":
        deviation = array - array[:1]
    else:
        deviation = array - array[:, :1]
    return float(np.abs(deviation).max())


def _identical(array: np.ndarray, axis: str) -> bool:
    scale = float(np.abs(array).max()) if array.size else 0.0
    return _spread(array, axis) <= 1e-9 + 1e-7 * scale


def _axis_words(output: str, axis: str) -> str:
    return {"all": f"the entries of {output}", "rows": f"the rows of {output}",
            "columns": f"the columns of {output}"}[axis]


def _run_steps(function: Function, starts: Sequence[Mapping[str, np.ndarray]], steps: int,
               carry: Mapping[str, str]) -> Generator[Calls, list[CallOutcome], list[dict | _Failed]]:
    """Apply ``function`` ``steps`` times to each start, feeding ``carry`` outputs back; all runs step together."""
    args = [dict(s) for s in starts]
    results: list[dict | _Failed] = [{} for _ in starts]
    for _ in range(steps):
        live = [i for i, r in enumerate(results) if not isinstance(r, _Failed)]
        if not live:
            break
        outcomes = yield Calls(function, tuple(args[i] for i in live))
        for i, outcome in zip(live, outcomes):
            results[i] = _outputs(outcome, function)
            if not isinstance(results[i], _Failed):
                args[i] = dict(args[i], **{param: results[i][out] for param, out in carry.items()})
    return results


def _symmetry(claim: SymmetryClaim, part: ClaimPart, rubric: Rubric) -> Generator[Calls, list[CallOutcome], str]:
    function = rubric.functions[claim.call]
    rng = np.random.default_rng([rubric.seed, zlib.crc32(f"symmetry:{part.id}".encode())])
    after = f" after {claim.steps} step(s)" if claim.carry else ""
    cases, values, starts = [], [], []
    for trial in range(claim.trials):
        case = _trial_case(rubric, function, "symmetry", trial)
        value = float(rng.uniform(0.2, 0.9) * rng.choice([-1.0, 1.0]))
        cases.append(case)
        values.append(value)
        starts.append({p: (np.full_like(a, value) if p in claim.constant else a) for p, a in case.args.items()})
    controls = [c.args for c in cases] if claim.equal else []
    free = {p.name for p in function.params} - set(claim.constant) - set(claim.carry)
    moved = [dict(start, **{p: redrawn(rubric, function, case, free, trial).args[p] for p in free})
             for trial, (case, start) in enumerate(zip(cases, starts))] if free else []
    runs = yield from _run_steps(function, starts + controls + moved, claim.steps, claim.carry)
    for trial, value in enumerate(values):
        outputs = _succeeded(runs[trial])
        for output, axis in claim.equal.items():
            if not _identical(outputs[output], axis):
                raise ClaimFailure(
                    f"with {', '.join(claim.constant)} initialised to the constant {value:.3g}, "
                    f"{_axis_words(output, axis)} are not identical{after} (they differ by up to "
                    f"{_spread(outputs[output], axis):.3g}): something in your code treats the hidden units differently")
        for output, axis in claim.differ.items():
            if _identical(outputs[output], axis):
                raise ClaimFailure(f"{_axis_words(output, axis)} are all equal{after}; they should differ")
        for param, output in claim.carry.items():
            if np.allclose(outputs[output], starts[trial][param], rtol=0, atol=1e-12):
                raise ClaimFailure(f"{function.name}() did not change {param}{after}: the update has no effect")
        if not claim.equal:
            continue
        control = _succeeded(runs[len(values) + trial])
        for output, axis in claim.equal.items():
            if _identical(control[output], axis):
                raise ClaimFailure(
                    f"with random initialisation {_axis_words(output, axis)} are identical too{after}: "
                    "the symmetry must come from the constant initialisation, not from your code")
    _require_dependence(function, free, runs[:len(values)], runs[len(values) + len(controls):], claim)
    return f"holds on {claim.trials} seeded trial(s), and breaks with random initialisation"


def _require_dependence(function: Function, free: set[str], runs: list, moved: list, claim: SymmetryClaim) -> None:
    """Refuse trivial evidence: outputs that stay the same whatever the inputs not held constant
    (a function returning zeros, or one of its arguments, satisfies any symmetry)."""
    if not moved:
        return
    watched = list(dict.fromkeys([*claim.equal, *claim.differ, *claim.carry.values()]))
    for base, other in zip(runs, moved):
        if isinstance(base, _Failed) or isinstance(other, _Failed):
            return  # the failure itself is reported by the checks that follow
        if any(base[o].shape != other[o].shape or not np.array_equal(base[o], other[o]) for o in watched):
            return
    raise ClaimFailure(f"{function.name}() gives the same {', '.join(watched)} whatever {', '.join(sorted(free))} "
                       "are: it does not compute them from its inputs, so the symmetry it shows proves nothing")


def _succeeded(result: dict | _Failed) -> dict:
    if isinstance(result, _Failed):
        raise ClaimFailure(result.message)
    return result


# -- gradients ----------------------------------------------------------------------


def _gradients(claim: GradientCheckClaim, part: ClaimPart, rubric: Rubric) -> Generator[Calls, list[CallOutcome], str]:
    """The student's gradients against finite differences of the student's own loss, read with the correct
    gradients at hand: a right backward pass passes even when the loss is wrong (that mistake is charged
    where the loss is graded), and a loss that does not move proves nothing."""
    loss_fn = rubric.functions[claim.loss_call]
    grad_fn = rubric.functions[claim.gradient_call]
    rng = np.random.default_rng([rubric.seed, zlib.crc32(f"gradient_check:{part.id}".encode())])
    trials = [dict(_trial_case(rubric, grad_fn, "gradient_check", t).args) for t in range(claim.trials)]
    gradients = yield Calls(grad_fn, tuple(trials))
    correct = yield Calls(grad_fn, tuple(trials), reference=True, optional=True)
    if correct is None:  # a public rubric: no correct gradients here, only the student's own loss
        correct = [None] * len(trials)
    probes = [{param: _sample_indices(rng, args[param].shape) for param in claim.outputs} for args in trials]
    moved = [_moved(args, param, index, sign * claim.eps)
             for args, indices in zip(trials, probes) for param in claim.outputs
             for index in indices[param] for sign in (1.0, -1.0)]
    losses = iter((yield Calls(loss_fn, tuple(moved))) if moved else [])

    def loss() -> float:
        value = _output(_raw(next(losses)), loss_fn, claim.loss_output)
        if value.size != 1:
            raise ClaimFailure(f"{loss_fn.name}() output '{claim.loss_output}' has shape {value.shape}: "
                               "a loss is a number")
        return float(value.reshape(()))

    checked, loss_differs = 0, False
    still = set(claim.outputs) if correct[0] is None else set()  # parameters the loss has not moved with yet
    for trial, (args, outcome, truth) in enumerate(zip(trials, gradients, correct)):
        raw = _raw(outcome)
        for param, output in claim.outputs.items():
            gradient = _output(raw, grad_fn, output)
            if gradient.shape != args[param].shape:
                raise ClaimFailure(f"∂ℓ/∂{param} ({grad_fn.name}() output '{output}') has shape {gradient.shape}; "
                                   f"{param} has shape {args[param].shape}")
            expected = _reference_output(truth, grad_fn, output, rubric) if truth is not None else None
            entries = [(index, float(gradient[index]), (loss() - loss()) / (2 * claim.eps),
                        float(expected[index]) if expected is not None else None)
                       for index in probes[trial][param]]
            if expected is None:
                _agree_with_own_loss(claim, loss_fn, param, trial, entries)
                if _moves(claim, entries):
                    still.discard(param)
                continue
            checked += len(entries)
            if all(claim.tolerance.within(np.float64(g), np.float64(t)) for _, g, _, t in entries):
                loss_differs |= not all(claim.tolerance.within(np.float64(g), np.float64(n)) for _, g, n, _ in entries)
                continue  # the backward pass is right for this parameter
            _agree_with_own_loss(claim, loss_fn, param, trial, entries)
            _require_movement(claim, loss_fn, param, trial, entries)
    if still:  # on every trial: agreeing with a loss that does not move proves nothing
        raise ClaimFailure(f"your {loss_fn.name}() does not change when {sorted(still)[0]} changes (finite "
                           f"differences are 0 on all {claim.trials} trial(s)), so agreeing with it proves nothing")
    summary = f"agrees with finite differences of {loss_fn.name}() on {checked} entries"
    if loss_differs:
        summary += ("; your gradients are the correct ones although your loss is not: the loss is graded "
                    "in its own part")
    return summary


def _agree_with_own_loss(claim: GradientCheckClaim, loss_fn: Function, param: str, trial: int,
                         entries: list) -> None:
    """Every probed entry agrees with finite differences of the student's own loss."""
    for index, g, n, _ in entries:
        if not claim.tolerance.within(np.float64(g), np.float64(n)):
            raise ClaimFailure(
                f"∂ℓ/∂{param}{list(index)} is {g:.6g} but finite differences of your own "
                f"{loss_fn.name}() give {n:.6g} (trial {trial + 1})\n"
                f"the backward pass does not match the forward pass: check this entry's chain of factors")


def _moves(claim: GradientCheckClaim, entries: list) -> bool:
    """Whether the loss changed with any probed entry (the reference-free sign of a real loss)."""
    return not all(claim.tolerance.within(np.float64(n), np.float64(0.0)) for _, _, n, _ in entries)


def _require_movement(claim: GradientCheckClaim, loss_fn: Function, param: str, trial: int, entries: list) -> None:
    """Refuse trivial agreement: a loss that does not move where the correct gradient is not zero."""
    zero = np.float64(0.0)
    moving = [(i, t) for i, _, n, t in entries if not claim.tolerance.within(zero, np.float64(t))]
    if moving and all(claim.tolerance.within(np.float64(n), zero) for i, _, n, t in entries
                      if not claim.tolerance.within(zero, np.float64(t))):
        index, value = moving[0]
        raise ClaimFailure(f"your {loss_fn.name}() does not change when {param} changes (finite differences are 0), "
                           f"so agreeing with it proves nothing: ∂ℓ/∂{param}{list(index)} should be {value:.6g} "
                           f"(trial {trial + 1})")


def _reference_output(outcome: CallOutcome, function: Function, output: str, rubric: Rubric) -> np.ndarray:
    target = CallTarget(function.name, output if len(function.returns) > 1 else None)
    answer = select_output(outcome.value, function, target)
    if answer.value is None:
        raise RubricError(rubric.reference, None, (), f"{function.name}() in the reference: {answer.problem}")
    return answer.value


def _sample_indices(rng: np.random.Generator, shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    every = list(np.ndindex(*shape)) if shape else [()]
    if len(every) <= _MAX_ENTRIES:
        return every
    chosen = rng.choice(len(every), size=_MAX_ENTRIES, replace=False)
    return [every[i] for i in sorted(chosen)]


def _moved(args: Mapping[str, np.ndarray], param: str, index: tuple, step: float) -> dict[str, np.ndarray]:
    moved = np.array(args[param], dtype=np.float64, copy=True)
    moved[index] += step
    return dict(args, **{param: moved})


def _gradient_shapes(claim: GradientShapesClaim, rubric: Rubric) -> Generator[Calls, list[CallOutcome], str]:
    function = rubric.functions[claim.call]
    cases = [_trial_case(rubric, function, "gradient_shapes", t) for t in range(claim.trials)]
    outcomes = yield Calls(function, tuple(c.args for c in cases))
    for case, outcome in zip(cases, outcomes):
        raw = _raw(outcome)
        for param, output in claim.outputs.items():
            gradient = _output(raw, function, output)
            if gradient.shape != case.args[param].shape:
                dims = ", ".join(f"{k}={v}" for k, v in sorted(case.dims.items()))
                raise ClaimFailure(f"{output} has shape {gradient.shape} but {param} has shape "
                                   f"{case.args[param].shape} ({dims}): a gradient has the shape of its parameter")
    return f"every gradient has its parameter's shape on {claim.trials} random case(s)"
