"""Claims: properties of the student's own functions that the handouts state in words.

- ``symmetry``: with constant initialisation hidden units stay identical (and with
  random initialisation they do not, so a function returning zeros fails);
- ``gradient_check``: the student's gradients agree with central finite
  differences of the student's own loss, which catches a wrong gradient even where
  the rubric has no reference for it;
- ``gradient_shapes``: every gradient has the shape of its parameter.

Claims drive the sandbox call by call from the grader's process; the inputs come
from the rubric's seeded generator, so the verdict is the same on every run.
"""

from __future__ import annotations

import zlib
from typing import Any, Callable, Mapping

import numpy as np

from ..cases import random_case
from ..results import CheckResult
from ..rubric.model import Claim, Function, Part, Target
from ..session import Session
from .answers import select_output

_CASE_OFFSET = {"symmetry": 1000, "gradient_check": 2000, "gradient_shapes": 3000}
_MAX_ENTRIES = 24  # finite-difference entries per parameter and trial


class ClaimFailure(Exception):
    """The claim does not hold; the message says where."""


def evaluate_claim(part: Part, session: Session) -> list[CheckResult]:
    """Check the part's claim; all or nothing, with the first counter-example as the reason."""
    claim = part.claim
    checker = _CHECKERS[claim.kind]
    try:
        summary = checker(claim.options, part, session)
    except ClaimFailure as failure:
        lines = str(failure).split("\n")
        return [CheckResult(claim.kind, 0.0, 1.0, lines[0], tuple(lines[1:]))]
    return [CheckResult(claim.kind, 1.0, 1.0, summary)]


# -- calling the student's functions --------------------------------------------


def _call(session: Session, function: Function, args: Mapping[str, np.ndarray]) -> Any:
    outcome = session.runner.call(function.name, [args[p] for p in function.param_names])
    if not outcome.ok:
        raise ClaimFailure(f"{outcome.error.message}\n{outcome.error.details}".rstrip())
    return outcome.value


def _output(raw: Any, function: Function, output: str | None) -> np.ndarray:
    answer = select_output(raw, function, Target("call", function.name, output if len(function.returns) > 1 else None))
    if answer.value is None:
        raise ClaimFailure(answer.problem)
    if not np.isfinite(answer.value).all():
        raise ClaimFailure(f"{function.name}() output '{output}' contains NaN or inf")
    return answer.value


def _trial_case(session: Session, function: Function, kind: str, trial: int):
    return random_case(session.rubric, function, _CASE_OFFSET[kind] + trial)


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


def _run_steps(session, function: Function, args: dict, steps: int, carry: Mapping[str, str]) -> dict:
    outputs: dict[str, np.ndarray] = {}
    for _ in range(steps):
        raw = _call(session, function, args)
        outputs = {r.name: _output(raw, function, r.name) for r in function.returns}
        args = dict(args, **{param: outputs[out] for param, out in carry.items()})
    return outputs


def check_symmetry(options: Mapping[str, Any], part: Part, session: Session) -> str:
    function = session.rubric.functions[options["call"]]
    constant, carry = options.get("constant", []), options.get("carry", {})
    equal, differ = options.get("equal", {}), options.get("differ", {})
    steps, trials = options.get("steps", 1), options.get("trials", 5)
    rng = np.random.default_rng([session.rubric.seed, zlib.crc32(f"symmetry:{part.id}".encode())])
    after = f" after {steps} step(s)" if carry else ""
    for trial in range(trials):
        case = _trial_case(session, function, "symmetry", trial)
        value = float(rng.uniform(0.2, 0.9) * rng.choice([-1.0, 1.0]))
        start = {p: (np.full_like(a, value) if p in constant else a) for p, a in case.args.items()}
        outputs = _run_steps(session, function, dict(start), steps, carry)
        for output, axis in equal.items():
            if not _identical(outputs[output], axis):
                raise ClaimFailure(
                    f"with {', '.join(constant)} initialised to the constant {value:.3g}, {_axis_words(output, axis)} "
                    f"are not identical{after} (they differ by up to {_spread(outputs[output], axis):.3g}): "
                    "something in your code treats the hidden units differently")
        for output, axis in differ.items():
            if _identical(outputs[output], axis):
                raise ClaimFailure(f"{_axis_words(output, axis)} are all equal{after}; they should differ")
        for param, output in carry.items():
            if np.allclose(outputs[output], start[param], rtol=0, atol=1e-12):
                raise ClaimFailure(f"{function.name}() did not change {param}{after}: the update has no effect")
        if not equal:
            continue
        control = _run_steps(session, function, dict(case.args), steps, carry)
        for output, axis in equal.items():
            if _identical(control[output], axis):
                raise ClaimFailure(
                    f"with random initialisation {_axis_words(output, axis)} are identical too{after}: "
                    "the symmetry must come from the constant initialisation, not from your code")
    return f"holds on {trials} seeded trial(s), and breaks with random initialisation"


# -- gradients ----------------------------------------------------------------------


def check_gradients(options: Mapping[str, Any], part: Part, session: Session) -> str:
    functions = session.rubric.functions
    loss_fn = functions[options["loss"]["call"]]
    grad_fn = functions[options["gradient"]["call"]]
    loss_output = options["loss"].get("output")
    outputs: Mapping[str, str] = options["gradient"]["outputs"]
    eps, trials = float(options.get("eps", 1e-6)), int(options.get("trials", 3))
    rtol, atol = float(options.get("rtol", 1e-4)), float(options.get("atol", 1e-7))
    rng = np.random.default_rng([session.rubric.seed, zlib.crc32(f"gradient_check:{part.id}".encode())])

    def loss(args: Mapping[str, np.ndarray]) -> float:
        value = _output(_call(session, loss_fn, args), loss_fn, loss_output)
        if value.size != 1:
            raise ClaimFailure(f"{loss_fn.name}() output '{loss_output}' has shape {value.shape}: a loss is a number")
        return float(value.reshape(()))

    checked = 0
    for trial in range(trials):
        args = dict(_trial_case(session, grad_fn, "gradient_check", trial).args)
        raw = _call(session, grad_fn, args)
        for param, output in outputs.items():
            gradient = _output(raw, grad_fn, output)
            if gradient.shape != args[param].shape:
                raise ClaimFailure(f"∂ℓ/∂{param} ({grad_fn.name}() output '{output}') has shape {gradient.shape}; "
                                   f"{param} has shape {args[param].shape}")
            for index in _sample_indices(rng, args[param].shape):
                numeric = _central_difference(loss, args, param, index, eps)
                if abs(gradient[index] - numeric) > atol + rtol * abs(numeric):
                    raise ClaimFailure(
                        f"∂ℓ/∂{param}{list(index)} is {gradient[index]:.6g} but finite differences of your own "
                        f"{loss_fn.name}() give {numeric:.6g} (trial {trial + 1})\n"
                        f"the backward pass does not match the forward pass: check this entry's chain of factors")
                checked += 1
    return f"agrees with finite differences of {loss_fn.name}() on {checked} entries"


def _sample_indices(rng: np.random.Generator, shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    every = list(np.ndindex(*shape)) if shape else [()]
    if len(every) <= _MAX_ENTRIES:
        return every
    chosen = rng.choice(len(every), size=_MAX_ENTRIES, replace=False)
    return [every[i] for i in sorted(chosen)]


def _central_difference(loss: Callable, args: Mapping[str, np.ndarray], param: str, index: tuple, eps: float) -> float:
    values = []
    for sign in (1.0, -1.0):
        moved = np.array(args[param], dtype=np.float64, copy=True)
        moved[index] += sign * eps
        values.append(loss(dict(args, **{param: moved})))
    return (values[0] - values[1]) / (2 * eps)


def check_gradient_shapes(options: Mapping[str, Any], part: Part, session: Session) -> str:
    function = session.rubric.functions[options["call"]]
    outputs: Mapping[str, str] = options["outputs"]
    trials = int(options.get("trials", 5))
    for trial in range(trials):
        case = _trial_case(session, function, "gradient_shapes", trial)
        raw = _call(session, function, case.args)
        for param, output in outputs.items():
            gradient = _output(raw, function, output)
            if gradient.shape != case.args[param].shape:
                dims = ", ".join(f"{k}={v}" for k, v in sorted(case.dims.items()))
                raise ClaimFailure(f"{output} has shape {gradient.shape} but {param} has shape "
                                   f"{case.args[param].shape} ({dims}): a gradient has the shape of its parameter")
    return f"every gradient has its parameter's shape on {trials} random case(s)"


_CHECKERS: dict[str, Callable[[Mapping[str, Any], Part, Session], str]] = {
    "symmetry": check_symmetry,
    "gradient_check": check_gradients,
    "gradient_shapes": check_gradient_shapes,
}


# -- validation (used by the rubric loader) -----------------------------------------------


def claim_problems(claim: Claim, functions: Mapping[str, Function]) -> list[tuple[tuple, str]]:
    """Cross-reference errors in a claim: (key path inside the claim, message)."""
    options = claim.options

    def function(key: tuple, name: str) -> Function | None:
        if name not in functions:
            problems.append((key, f"'{name}' is not a function of the interface"))
            return None
        return functions[name]

    def has_output(key: tuple, fn: Function, name: str) -> None:
        if name not in [r.name for r in fn.returns]:
            problems.append((key, f"{fn.name}() returns no '{name}'"))

    def has_param(key: tuple, fn: Function, name: str) -> None:
        if name not in fn.param_names:
            problems.append((key, f"{fn.name}() has no parameter '{name}'"))

    problems: list[tuple[tuple, str]] = []
    if claim.kind == "gradient_check":
        loss = function(("loss", "call"), options["loss"]["call"])
        grad = function(("gradient", "call"), options["gradient"]["call"])
        if loss and grad:
            for name in loss.param_names:
                has_param(("loss", "call"), grad, name)
            if "output" in options["loss"]:
                has_output(("loss", "output"), loss, options["loss"]["output"])
            for param, output in options["gradient"]["outputs"].items():
                has_param(("gradient", "outputs", param), grad, param)
                has_output(("gradient", "outputs", param), grad, output)
        return problems
    fn = function(("call",), options["call"])
    if fn is None:
        return problems
    if claim.kind == "gradient_shapes":
        for param, output in options["outputs"].items():
            has_param(("outputs", param), fn, param)
            has_output(("outputs", param), fn, output)
        return problems
    for param in options.get("constant", []):
        has_param(("constant",), fn, param)
    for param, output in options.get("carry", {}).items():
        has_param(("carry", param), fn, param)
        has_output(("carry", param), fn, output)
    for key in ("equal", "differ"):
        for output in options.get(key, {}):
            has_output((key, output), fn, output)
    if options.get("steps", 1) > 1 and not options.get("carry"):
        problems.append((("steps",), "more than one step needs 'carry' to feed outputs back"))
    return problems
