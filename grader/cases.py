"""Inputs for the student's functions: the handout's named cases and seeded random ones.

Random cases are reproducible: case ``k`` of function ``f`` comes from a generator
seeded with ``(rubric seed, crc32(f), k)``, so it is the same on every machine and
does not depend on how many cases a part asks for. Named dimensions are drawn per
case, distinct from each other where their ranges allow, so a transposed or
hard-coded shape shows up as a shape error.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from .rubric.model import Draw, Edge, Function, Param, Rubric, infer_dims

_DISTINCT_TRIES = 200


@dataclass(frozen=True)
class Case:
    """One set of arguments for one function, with the dimensions it was drawn with."""

    label: str  # "handout", "random #3" or "edge #2"
    args: Mapping[str, np.ndarray]
    dims: Mapping[str, int]
    index: int = -1  # k of random case k (0-based); -1 for a named or an edge case
    edge: int = -1  # k of edge case k (0-based); -1 otherwise
    again: bool = False  # the same case called a second time, right after the first (state between calls)

    @property
    def title(self) -> str:
        """How the feedback names it."""
        return f"{self.label}, called again" if self.again else self.label

    @property
    def is_random(self) -> bool:
        return self.index >= 0

    @property
    def is_edge(self) -> bool:
        return self.edge >= 0


def named_case(rubric: Rubric, function: Function, name: str) -> Case:
    """The handout's case ``name`` restricted to ``function``'s parameters."""
    values = rubric.cases[name]
    args = {p.name: np.array(values[p.name], dtype=_DTYPES[p.dtype]) for p in function.params}
    return Case(name, args, infer_dims(function, args))


def random_case(rubric: Rubric, function: Function, k: int) -> Case:
    """Random case number ``k`` (0-based) of ``function``."""
    rng = np.random.default_rng([rubric.seed, zlib.crc32(function.name.encode()), k])
    dims = _draw_dims(rng, function.dimension_names, rubric.dimensions)
    args = {p.name: _draw_param(rng, p, dims) for p in function.params}
    return Case(f"random #{k + 1}", args, dims, k)


def redrawn(rubric: Rubric, function: Function, case: Case, names: set[str], k: int) -> Case:
    """``case`` with the parameters ``names`` drawn anew (same dimensions, same draws; seeded by ``k``)."""
    rng = np.random.default_rng([rubric.seed, zlib.crc32(f"redrawn:{function.name}".encode()), k])
    args = {p.name: (_draw_param(rng, p, case.dims) if p.name in names else case.args[p.name])
            for p in function.params}
    return Case(f"{case.label} (redrawn)", args, case.dims, case.index)


def edge_case(rubric: Rubric, function: Function, k: int) -> Case:
    """Edge case number ``k`` (0-based): a fresh random draw pushed onto the function's declared edges
    (some pre-activations exactly 0, or ties), so that a convention the handout states is exercised."""
    rng = np.random.default_rng([rubric.seed, zlib.crc32(f"edge:{function.name}".encode()), k])
    dims = _draw_dims(rng, function.dimension_names, rubric.dimensions)
    args = {p.name: _draw_param(rng, p, dims) for p in function.params}
    for edge in function.edges:
        _push(rng, edge, function, args)
    return Case(f"edge #{k + 1}", args, dims, edge=k)


def _push(rng: np.random.Generator, edge: Edge, function: Function, args: dict[str, np.ndarray]) -> None:
    params = {p.name: p for p in function.params}
    if edge.kind == "tie":
        for name in edge.params:
            flat = args[name].reshape(-1)
            if flat.size >= 2:
                chosen = rng.choice(flat.size, size=max(2, flat.size // 3), replace=False)
                flat[chosen] = flat[chosen[0]]
        return
    if edge.along is None:
        for name in edge.params:
            flat = args[name].reshape(-1)
            if flat.size:
                flat[rng.choice(flat.size, size=max(1, flat.size // 3), replace=False)] = 0
        return
    size = next(dim for name in edge.params for dim, expr in zip(args[name].shape, params[name].shape.dims)
                if expr.name == edge.along)
    chosen = rng.choice(size, size=max(1, size // 3), replace=False)
    for name in edge.params:
        axis = [expr.name for expr in params[name].shape.dims].index(edge.along)
        index = [slice(None)] * args[name].ndim
        index[axis] = chosen
        args[name][tuple(index)] = 0


def random_cases(rubric: Rubric, function: Function, count: int) -> list[Case]:
    return [random_case(rubric, function, k) for k in range(count)]


def _draw_dims(rng: np.random.Generator, names: list[str], ranges: Mapping[str, tuple[int, int]]) -> dict[str, int]:
    dims: dict[str, int] = {}
    for _ in range(_DISTINCT_TRIES):
        dims = {name: int(rng.integers(ranges[name][0], ranges[name][1] + 1)) for name in names}
        if len(set(dims.values())) == len(dims):
            break
    return dims


def _draw_param(rng: np.random.Generator, param: Param, dims: Mapping[str, int]) -> np.ndarray:
    shape = param.shape.resolve(dims)
    return _draw(rng, param.draw, shape, dims).astype(_DTYPES[param.dtype])


_DTYPES = {"float": np.float64, "int": np.int64}


def _draw(rng: np.random.Generator, draw: Draw, shape: tuple[int, ...], dims: Mapping[str, int]) -> np.ndarray:
    kind, args = draw.kind, draw.resolve(dims)
    if kind == "normal":
        values = rng.normal(args[0], args[1], size=shape)
    elif kind == "uniform":
        values = rng.uniform(args[0], args[1], size=shape)
    elif kind == "integers":
        values = rng.integers(int(args[0]), int(args[1]) + 1, size=shape)
    elif kind == "choice":
        values = rng.choice(np.asarray(args), size=shape)
    elif kind == "constant":
        values = np.full(shape, args[0])
    else:  # pragma: no cover - the schema admits no other kind
        raise ValueError(f"unknown draw {kind!r}")
    return np.asarray(values, dtype=np.float64)


class CaseCache:
    """Cases drawn once and kept for the next submission (the same for every student), within a byte budget:
    a batch draws each case once; a rubric with large arrays draws them anew instead of holding them."""

    def __init__(self, rubric: Rubric, budget_bytes: int = 8 << 20) -> None:
        self.rubric = rubric
        self._budget = budget_bytes
        self._kept: dict[tuple[str, str, str | int], Case] = {}
        self._bytes = 0

    def named(self, function: Function, name: str) -> Case:
        return self._get((function.name, "named", name), lambda: named_case(self.rubric, function, name))

    def random(self, function: Function, k: int) -> Case:
        return self._get((function.name, "random", k), lambda: random_case(self.rubric, function, k))

    def edge(self, function: Function, k: int) -> Case:
        return self._get((function.name, "edge", k), lambda: edge_case(self.rubric, function, k))

    def _get(self, key: tuple[str, str, str | int], draw) -> Case:
        case = self._kept.get(key)
        if case is None:
            case = draw()
            size = sum(np.asarray(a).nbytes for a in case.args.values())
            if self._bytes + size <= self._budget:
                self._kept[key] = case
                self._bytes += size
        return case
