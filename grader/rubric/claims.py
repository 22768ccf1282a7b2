"""Claim options: typed from the schema-valid YAML, then cross-checked against the interface.

The schema has already checked each claim's keys and value types; this module turns
the mapping into one of the frozen claim types (defaults written once, here) and
lists the references to functions, parameters and outputs that do not exist.
"""

from __future__ import annotations

from typing import Any, Mapping

from .errors import KeyPath
from .model import Claim, Function, GradientCheckClaim, GradientShapesClaim, SymmetryClaim, Tolerance

Problem = tuple[KeyPath, str]  # (key path inside the claim, message)


def build_claim(raw: Mapping[str, Any]) -> Claim:
    """The typed claim for a schema-valid ``claim:`` mapping."""
    kind = raw["kind"]
    if kind == "symmetry":
        defaults = SymmetryClaim(call="")
        return SymmetryClaim(
            call=raw["call"],
            constant=tuple(raw.get("constant", ())),
            carry=dict(raw.get("carry", {})),
            equal=dict(raw.get("equal", {})),
            differ=dict(raw.get("differ", {})),
            steps=int(raw.get("steps", defaults.steps)),
            trials=int(raw.get("trials", defaults.trials)),
        )
    if kind == "gradient_check":
        defaults = GradientCheckClaim("", None, "", {})
        return GradientCheckClaim(
            loss_call=raw["loss"]["call"],
            loss_output=raw["loss"].get("output"),
            gradient_call=raw["gradient"]["call"],
            outputs=dict(raw["gradient"]["outputs"]),
            trials=int(raw.get("trials", defaults.trials)),
            eps=float(raw.get("eps", defaults.eps)),
            tolerance=Tolerance(float(raw.get("rtol", defaults.tolerance.rtol)),
                                float(raw.get("atol", defaults.tolerance.atol))),
        )
    if kind == "gradient_shapes":
        return GradientShapesClaim(call=raw["call"], outputs=dict(raw["outputs"]),
                                   trials=int(raw.get("trials", GradientShapesClaim("", {}).trials)))
    raise ValueError(f"unknown claim kind {kind!r}")  # the schema admits no other


def claim_problems(claim: Claim, functions: Mapping[str, Function]) -> list[Problem]:
    """Cross-reference errors in a claim, with the key path of each inside the claim."""
    problems: list[Problem] = []

    def function(key: KeyPath, name: str) -> Function | None:
        if name not in functions:
            problems.append((key, f"'{name}' is not a function of the interface"))
            return None
        return functions[name]

    def has_output(key: KeyPath, fn: Function, name: str) -> None:
        if name not in [r.name for r in fn.returns]:
            problems.append((key, f"{fn.name}() returns no '{name}'"))

    def has_param(key: KeyPath, fn: Function, name: str) -> None:
        if name not in fn.param_names:
            problems.append((key, f"{fn.name}() has no parameter '{name}'"))

    if isinstance(claim, GradientCheckClaim):
        loss = function(("loss", "call"), claim.loss_call)
        grad = function(("gradient", "call"), claim.gradient_call)
        if loss and grad:
            for name in loss.param_names:
                has_param(("loss", "call"), grad, name)
            if claim.loss_output is not None:
                has_output(("loss", "output"), loss, claim.loss_output)
            for param, output in claim.outputs.items():
                has_param(("gradient", "outputs", param), grad, param)
                has_output(("gradient", "outputs", param), grad, output)
        return problems
    fn = function(("call",), claim.call)
    if fn is None:
        return problems
    if isinstance(claim, GradientShapesClaim):
        for param, output in claim.outputs.items():
            has_param(("outputs", param), fn, param)
            has_output(("outputs", param), fn, output)
        return problems
    for param in claim.constant:
        has_param(("constant",), fn, param)
    for param, output in claim.carry.items():
        has_param(("carry", param), fn, param)
        has_output(("carry", param), fn, output)
    for key, outputs in (("equal", claim.equal), ("differ", claim.differ)):
        for output in outputs:
            has_output((key, output), fn, output)
    if claim.steps > 1 and not claim.carry:
        problems.append((("steps",), "more than one step needs 'carry' to feed outputs back"))
    return problems
