"""The course's reference implementation, loaded in the grader's own (trusted) process."""

from __future__ import annotations

import importlib.util
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Sequence

import numpy as np

from .rubric.errors import RubricError
from .rubric.model import Rubric


class ReferenceImplementationError(RubricError):
    """The reference implementation is missing something or raised: the rubric's fault, not the student's."""


@dataclass(frozen=True)
class Reference:
    path: Path
    module: ModuleType

    def has(self, name: str) -> bool:
        return hasattr(self.module, name)

    def call(self, name: str, args: Sequence[np.ndarray]) -> Any:
        try:
            return getattr(self.module, name)(*[_plain(a) for a in args])
        except Exception as exc:
            raise ReferenceImplementationError(self.path, None, (), f"{name}() raised {type(exc).__name__}: {exc}") from None

    def constant(self, name: str) -> Any:
        return getattr(self.module, name)


def _plain(array: np.ndarray) -> Any:
    array = np.array(array, dtype=np.float64)  # a copy: the reference may not mutate the grader's cases
    return float(array) if array.ndim == 0 else array


def load_reference(rubric: Rubric) -> Reference:
    """Import the rubric's reference file and check it provides the whole interface."""
    path = rubric.reference
    name = f"_grader_reference_{zlib.crc32(str(path).encode()):08x}"
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception as exc:
        raise ReferenceImplementationError(path, getattr(exc, "lineno", None), (), f"cannot import reference: "
                              f"{type(exc).__name__}: {exc}") from None
    reference = Reference(path, module)
    needed = [*rubric.functions, *rubric.constants]
    needed += [m.function for _, part in rubric.parts() for m in part.mistakes]
    missing = [n for n in needed if not reference.has(n)]
    if missing:
        raise ReferenceImplementationError(path, None, (), f"the reference defines no '{missing[0]}'")
    return reference
