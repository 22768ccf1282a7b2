"""Coverage: every function the student writes, and each of its return values, is compared with the
reference on random cases somewhere in the rubric.

A function graded only through claims (properties of the student's own code) or literal
values can be wrong everywhere the rubric does not look: gradient ascent satisfies a
symmetry claim, a backward pass checked only against the student's own forward pass
follows it into any mistake. An author may exempt a function, with the reason, by
``exempt_from_reference: "<why>"`` on it. A constant is covered by any part that grades it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import KeyPath
from .model import CallTarget, CheckedPart, ConstantTarget, ReferenceCheck, Rubric


@dataclass(frozen=True)
class Gap:
    """A declared value no part compares with the reference: where it is declared, and what is missing."""

    key_path: KeyPath
    message: str


def coverage_gaps(rubric: Rubric) -> list[Gap]:
    compared: set[tuple[str, str | None]] = set()
    graded_constants: set[str] = set()
    for _, part in rubric.parts():
        if not isinstance(part, CheckedPart):
            continue
        if isinstance(part.target, ConstantTarget):
            graded_constants.add(part.target.name)
        elif isinstance(part.target, CallTarget) and any(isinstance(c, ReferenceCheck) and c.random
                                                          for c in part.checks):
            compared.add((part.target.function, part.target.output))
    gaps = []
    for function in rubric.functions.values():
        if function.exempt_from_reference:
            continue
        outputs = [None] if len(function.returns) == 1 else [r.name for r in function.returns]
        for output in outputs:
            if (function.name, output) not in compared:
                what = f"{function.name}()" + (f" output '{output}'" if output else "")
                key = ("interface", "functions", function.name) + (("returns", output) if output else ())
                gaps.append(Gap(key, f"{what} is never compared with the reference on random cases: add a "
                                     "part with a reference check, or exempt it with exempt_from_reference: \"<why>\""))
    for name in rubric.constants:
        if name not in graded_constants:
            gaps.append(Gap(("interface", "constants", name), f"the constant {name} is never graded"))
    return gaps
