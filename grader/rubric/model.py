"""The rubric as frozen dataclasses: what the rest of the pipeline reads.

A rubric is loaded and validated once (see ``loader``); everything downstream
receives these immutable objects, never the raw YAML.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, Mapping

import numpy as np

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
    """How a random case fills a parameter: a distribution and its two numbers, or choices.

    A bound of ``integers`` may be a dimension expression (``K-1``), resolved per case."""

    kind: str = "normal"  # normal | uniform | integers | choice | constant
    args: tuple[float | DimExpr, ...] = (0.0, 1.0)

    def resolve(self, dims: Mapping[str, int]) -> tuple[float, ...]:
        return tuple(a.resolve(dims) if isinstance(a, DimExpr) else a for a in self.args)

    def names(self) -> set[str]:
        return {a.name for a in self.args if isinstance(a, DimExpr) and a.name is not None}


@dataclass(frozen=True)
class Param:
    name: str
    shape: Shape
    draw: Draw
    doc: str = ""
    upstream: str | None = None  # "question/part" whose correct answer this argument is
    dtype: str = "float"  # "float" | "int": what the student receives


@dataclass(frozen=True)
class Edge:
    """A boundary a random case can be pushed onto: listed parameters set to exactly 0 (whole slices
    along a dimension, so that a pre-activation such as W x + b is exactly 0), or given ties."""

    kind: str  # "zero" | "tie"
    params: tuple[str, ...]
    along: str | None = None


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
    exempt_from_reference: str = ""  # why no part compares it with the reference (empty: it must be compared)
    in_place_allowed: bool = False  # whether it may modify its arguments (the returned value is graded anyway)
    edges: tuple[Edge, ...] = ()

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @functools.cached_property
    def dimension_names(self) -> tuple[str, ...]:
        """The dimensions its shapes and draws use, sorted (what a random case of it draws)."""
        names: set[str] = set()
        for spec in (*self.params, *self.returns):
            names |= spec.shape.names()
        for param in self.params:
            names |= param.draw.names()
        return tuple(sorted(names))

    def return_position(self, output: str | None) -> int | None:
        """Tuple position of a named output, or None for a single-value function."""
        if len(self.returns) == 1:
            return None
        names = [r.name for r in self.returns]
        return names.index(output) if output is not None else None


class ShapeMismatch(ValueError):
    """Concrete arguments whose shapes do not fit a function's declared parameter shapes."""


def infer_dims(function: Function, args: Mapping[str, Any]) -> dict[str, int]:
    """Read the named dimensions off concrete arguments; raise :class:`ShapeMismatch` on a contradiction."""
    dims: dict[str, int] = {}
    for param in function.params:
        actual = np.shape(args[param.name])
        if len(actual) != len(param.shape.dims):
            raise ShapeMismatch(f"parameter '{param.name}' has shape {actual}, declared {param.shape}")
        for expr, size in zip(param.shape.dims, actual):
            value = size - expr.offset
            if expr.name is None:
                if size != expr.offset:
                    raise ShapeMismatch(f"parameter '{param.name}' has shape {actual}, declared {param.shape}")
            elif dims.setdefault(expr.name, value) != value:
                raise ShapeMismatch(f"parameter '{param.name}' has shape {actual}, which contradicts "
                                    f"{expr.name} = {dims[expr.name]}")
    for param in function.params:  # an int parameter named like a dimension (one_hot(y, K)) gives its size
        if param.dtype == "int" and not param.shape.dims and param.name not in dims and \
                param.name in function.dimension_names:
            dims[param.name] = int(np.asarray(args[param.name]))
    return dims


@dataclass(frozen=True)
class Tolerance:
    """The one comparison rule: ``|student - expected| <= atol + rtol * |expected|``, element-wise,
    with the expected value on the right (so the rule is not symmetric, on purpose)."""

    rtol: float = 1e-6
    atol: float = 1e-9

    def excess(self, student: np.ndarray, expected: np.ndarray) -> np.ndarray:
        """How far each entry is beyond the allowed error (<= 0 within tolerance; NaN for NaN entries)."""
        with np.errstate(invalid="ignore", over="ignore"):
            return np.abs(student - expected) - (self.atol + self.rtol * np.abs(expected))

    def widened(self, other: "Tolerance") -> "Tolerance":
        """The looser of the two in each term (e.g. the float32 floor for a float32 result)."""
        return Tolerance(max(self.rtol, other.rtol), max(self.atol, other.atol))

    def within(self, student: np.ndarray, expected: np.ndarray) -> np.ndarray:
        """Element-wise verdict for two arrays of the same shape (NaN is never within)."""
        return self.excess(student, expected) <= 0

    def close(self, student: np.ndarray, expected: np.ndarray) -> bool:
        """Whole-array verdict: the exact shape, then every entry within tolerance."""
        return np.shape(student) == np.shape(expected) and bool(np.all(self.within(student, expected)))


@dataclass(frozen=True)
class ShapeCheck:
    """The exact shape on every case of the part: by default a gate (weight 0), which explains a wrong
    shape but earns nothing by itself."""

    shape: Shape
    weight: float = 0.0


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
    edges: int = 0  # edge cases (see Function.edges)


Check = ShapeCheck | ValueCheck | ReferenceCheck

FLOAT32 = Tolerance(rtol=1e-4, atol=1e-6)  # what a float32 computation can promise


@dataclass(frozen=True)
class Mistake:
    """A known wrong implementation (a function in the reference file) and what to tell the student."""

    function: str
    message: str


@dataclass(frozen=True)
class CallTarget:
    """What a part grades: one output of a call of the student's ``function`` (one entry with ``index``)."""

    function: str
    output: str | None = None  # None for a function with a single return value
    index: tuple[int, ...] = ()

    @property
    def name(self) -> str:
        return self.function

    def whole(self) -> "CallTarget":
        return CallTarget(self.function, self.output)


@dataclass(frozen=True)
class ConstantTarget:
    """What a part grades: a module-level constant of the submission (one entry with ``index``)."""

    name: str
    index: tuple[int, ...] = ()

    def whole(self) -> "ConstantTarget":
        return ConstantTarget(self.name)


Target = CallTarget | ConstantTarget


Axis = Literal["all", "rows", "columns"]


@dataclass(frozen=True)
class SymmetryClaim:
    """With the ``constant`` parameters at one constant, the ``equal`` outputs stay identical along an
    axis (after ``steps`` applications feeding ``carry`` outputs back) and the ``differ`` ones do not."""

    call: str
    constant: tuple[str, ...] = ()
    carry: Mapping[str, str] = field(default_factory=dict)  # parameter -> output fed back
    equal: Mapping[str, Axis] = field(default_factory=dict)
    differ: Mapping[str, Axis] = field(default_factory=dict)
    steps: int = 1
    trials: int = 5
    kind: ClassVar[str] = "symmetry"


@dataclass(frozen=True)
class GradientCheckClaim:
    """The student's gradients agree with central finite differences of the student's own loss."""

    loss_call: str
    loss_output: str | None
    gradient_call: str
    outputs: Mapping[str, str]  # parameter -> gradient output
    trials: int = 3
    eps: float = 1e-6
    tolerance: Tolerance = Tolerance(1e-4, 1e-7)
    kind: ClassVar[str] = "gradient_check"


@dataclass(frozen=True)
class GradientShapesClaim:
    """Every gradient the function returns has the shape of its parameter."""

    call: str
    outputs: Mapping[str, str]  # parameter -> gradient output
    trials: int = 5
    kind: ClassVar[str] = "gradient_shapes"


Claim = SymmetryClaim | GradientCheckClaim | GradientShapesClaim


@dataclass(frozen=True)
class _PartBase:
    id: str
    title: str
    points: float
    visibility: str = "visible"
    line: int = 0


@dataclass(frozen=True)
class CheckedPart(_PartBase):
    """A part graded by value checks on one target."""

    target: Target = ConstantTarget("")
    checks: tuple[Check, ...] = ()
    mistakes: tuple[Mistake, ...] = ()
    preactivation: str | None = None  # parameter holding pre-activations, for the ReLU′(0) diagnosis


@dataclass(frozen=True)
class ClaimPart(_PartBase):
    """A part graded by a claim about the student's own functions."""

    claim: Claim = GradientShapesClaim("", {})


Part = CheckedPart | ClaimPart


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
    edge_cases: int = 4
    require_float64: bool = False


@dataclass(frozen=True)
class Rubric:
    path: Path
    title: str
    reference: Path | None  # None for a public rubric (``public: true``): graded without the answers
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
    public: bool = False  # published for students by `grade publish`: no reference, mistakes or samples
    after_submission: tuple[str, ...] = ()  # a public rubric's withheld parts ("question/part")

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)

    def parts(self) -> list[tuple[Question, Part]]:
        return [(q, p) for q in self.questions for p in q.parts]
