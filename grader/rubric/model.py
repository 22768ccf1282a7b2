"""The rubric as frozen dataclasses: what the rest of the pipeline reads.

A rubric is loaded and validated once (see ``loader``); everything downstream
receives these immutable objects, never the raw YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

_DIM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:([+-])\s*([0-9]+))?\s*$")


@dataclass(frozen=True)
class DimExpr:
    """One entry of a shape: a constant, or a named dimension plus an offset (``d+1``)."""

    name: str | None
    offset: int = 0

    @classmethod
    def parse(cls, entry: int | str) -> "DimExpr":
        if isinstance(entry, int):
            return cls(None, entry)
        match = _DIM.match(entry)
        if match is None:
            raise ValueError(f"bad dimension {entry!r}")
        name, sign, amount = match.groups()
        offset = int(amount or 0) * (-1 if sign == "-" else 1)
        return cls(name, offset)

    def resolve(self, dims: Mapping[str, int]) -> int:
        return self.offset if self.name is None else dims[self.name] + self.offset

    def __str__(self) -> str:
        if self.name is None:
            return str(self.offset)
        if self.offset == 0:
            return self.name
        return f"{self.name}{self.offset:+d}"


@dataclass(frozen=True)
class Shape:
    """A symbolic array shape such as ``[h, d+1]``; ``()`` is a scalar."""

    dims: tuple[DimExpr, ...]

    @classmethod
    def parse(cls, entries: list[int | str] | None) -> "Shape":
        return cls(tuple(DimExpr.parse(e) for e in (entries or [])))

    def resolve(self, dims: Mapping[str, int]) -> tuple[int, ...]:
        return tuple(d.resolve(dims) for d in self.dims)

    def names(self) -> set[str]:
        return {d.name for d in self.dims if d.name is not None}

    def __str__(self) -> str:
        return "(" + ", ".join(str(d) for d in self.dims) + ("," if len(self.dims) == 1 else "") + ")"


@dataclass(frozen=True)
class Draw:
    """How a random case fills a parameter: a distribution and its two numbers, or choices."""

    kind: str = "normal"  # normal | uniform | integers | choice | constant
    args: tuple[float, ...] = (0.0, 1.0)


@dataclass(frozen=True)
class Param:
    name: str
    shape: Shape
    draw: Draw
    doc: str = ""
    upstream: str | None = None  # "question/part" whose correct answer this argument is


@dataclass(frozen=True)
class ValueSpec:
    name: str
    shape: Shape
    doc: str = ""


@dataclass(frozen=True)
class Function:
    """A function the student must define, with its parameters and named return values."""

    name: str
    params: tuple[Param, ...]
    returns: tuple[ValueSpec, ...]
    doc: str = ""

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def return_position(self, output: str | None) -> int | None:
        """Tuple position of a named output, or None for a single-value function."""
        if len(self.returns) == 1:
            return None
        names = [r.name for r in self.returns]
        return names.index(output) if output is not None else None


@dataclass(frozen=True)
class Tolerance:
    """|student - reference| <= atol + rtol * |reference|, element-wise."""

    rtol: float = 1e-6
    atol: float = 1e-9


@dataclass(frozen=True)
class ShapeCheck:
    shape: Shape
    weight: float = 1.0


@dataclass(frozen=True)
class ValueCheck:
    expected: Any  # nested lists / numbers as written in the handout
    case: str | None
    tolerance: Tolerance
    weight: float = 1.0


@dataclass(frozen=True)
class ReferenceCheck:
    random: int
    cases: tuple[str, ...]
    scoring: str  # "all" | "proportional"
    tolerance: Tolerance
    weight: float = 1.0


Check = ShapeCheck | ValueCheck | ReferenceCheck


@dataclass(frozen=True)
class Mistake:
    """A known wrong implementation (a function in the reference file) and what to tell the student."""

    function: str
    message: str


@dataclass(frozen=True)
class Target:
    """What a part grades: one output of a function call, or a module constant."""

    kind: str  # "call" | "constant"
    name: str
    output: str | None = None
    index: tuple[int, ...] = ()

    def describe(self) -> str:
        text = f"{self.name}(...)" if self.kind == "call" else self.name
        if self.output is not None:
            text += f" → {self.output}"
        if self.index:
            text += "[" + ", ".join(map(str, self.index)) + "]"
        return text


@dataclass(frozen=True)
class Claim:
    """A property of the student's own functions (symmetry, gradient consistency, shapes)."""

    kind: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Part:
    id: str
    title: str
    points: float
    target: Target | None
    checks: tuple[Check, ...]
    mistakes: tuple[Mistake, ...] = ()
    claim: Claim | None = None
    visibility: str = "visible"
    preactivation: str | None = None  # parameter holding pre-activations, for the ReLU′(0) diagnosis
    line: int = 0


@dataclass(frozen=True)
class Question:
    id: str
    title: str
    parts: tuple[Part, ...]

    @property
    def points(self) -> float:
        return sum(p.points for p in self.parts)


@dataclass(frozen=True)
class Defaults:
    tolerance: Tolerance = Tolerance()
    random_cases: int = 20
    call_timeout: float = 2.0
    total_timeout: float = 60.0


@dataclass(frozen=True)
class Rubric:
    path: Path
    title: str
    reference: Path
    seed: int
    defaults: Defaults
    dimensions: Mapping[str, tuple[int, int]]
    functions: Mapping[str, Function]
    constants: Mapping[str, ValueSpec]
    cases: Mapping[str, Mapping[str, Any]]
    questions: tuple[Question, ...]
    description: str = ""
    source: str = ""
    samples: Path | None = None
    batch_dimension: str | None = None  # counts examples: lets the diagnosis spot sum vs mean

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)

    def parts(self) -> list[tuple[Question, Part]]:
        return [(q, p) for q in self.questions for p in q.parts]
