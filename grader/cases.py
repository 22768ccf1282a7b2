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

from .rubric.model import Draw, Function, Param, Rubric, infer_dims

_DISTINCT_TRIES = 200


@dataclass(frozen=True)
class Case:
    """One set of arguments for one function, with the dimensions it was drawn with."""

    label: str  # "handout" or "random #3"
    args: Mapping[str, np.ndarray]
    dims: Mapping[str, int]
    index: int = -1  # k of random case k (0-based); -1 for a named case

    @property
    def is_random(self) -> bool:
        return self.index >= 0


def named_case(rubric: Rubric, function: Function, name: str) -> Case:
    """The handout's case ``name`` restricted to ``function``'s parameters."""
    values = rubric.cases[name]
    args = {p.name: np.array(values[p.name], dtype=np.float64) for p in function.params}
    return Case(name, args, infer_dims(function, args))


def random_case(rubric: Rubric, function: Function, k: int) -> Case:
    """Random case number ``k`` (0-based) of ``function``."""
    rng = np.random.default_rng([rubric.seed, zlib.crc32(function.name.encode()), k])
    dims = _draw_dims(rng, _dimension_names(function), rubric.dimensions)
    args = {p.name: _draw_param(rng, p, dims) for p in function.params}
    return Case(f"random #{k + 1}", args, dims, k)


def redrawn(rubric: Rubric, function: Function, case: Case, names: set[str], k: int) -> Case:
    """``case`` with the parameters ``names`` drawn anew (same dimensions, same draws; seeded by ``k``)."""
    rng = np.random.default_rng([rubric.seed, zlib.crc32(f"redrawn:{function.name}".encode()), k])
    args = {p.name: (_draw_param(rng, p, case.dims) if p.name in names else case.args[p.name])
            for p in function.params}
    return Case(f"{case.label} (redrawn)", args, case.dims, case.index)


def random_cases(rubric: Rubric, function: Function, count: int) -> list[Case]:
    return [random_case(rubric, function, k) for k in range(count)]


def _dimension_names(function: Function) -> list[str]:
    names: set[str] = set()
    for spec in (*function.params, *function.returns):
        names |= spec.shape.names()
    return sorted(names)


def _draw_dims(rng: np.random.Generator, names: list[str], ranges: Mapping[str, tuple[int, int]]) -> dict[str, int]:
    dims: dict[str, int] = {}
    for _ in range(_DISTINCT_TRIES):
        dims = {name: int(rng.integers(ranges[name][0], ranges[name][1] + 1)) for name in names}
        if len(set(dims.values())) == len(dims):
            break
    return dims


def _draw_param(rng: np.random.Generator, param: Param, dims: Mapping[str, int]) -> np.ndarray:
    shape = param.shape.resolve(dims)
    return _draw(rng, param.draw, shape)


def _draw(rng: np.random.Generator, draw: Draw, shape: tuple[int, ...]) -> np.ndarray:
    kind, args = draw.kind, draw.args
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
