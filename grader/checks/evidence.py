"""The evidence a part is judged on: for each case, the student's answer and the reference's.

The session gathers it (cases, sandbox calls, reference values) before any check runs;
checks are pure functions over it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..answers import Answer
from ..cases import Case
from ..rubric.model import Mistake

if TYPE_CHECKING:  # the mutation engine is imported only when a student's answer is wrong
    from .mutants import MutantInfo


@dataclass(frozen=True)
class Observation:
    """One case of one part: the part's target (one entry when indexed) and its whole output."""

    case: Case | None  # None for a module constant
    student: Answer  # the graded value, or why there is none
    expected: np.ndarray  # the reference's graded value
    student_whole: Answer  # the whole output the target indexes into (the same when not indexed)
    expected_whole: np.ndarray
    mutants: tuple[tuple[Mistake, np.ndarray], ...] = ()  # the rubric's declared mistakes, whole outputs
    mutated: tuple[str, ...] = ()  # the array arguments the call changed in place
    repeat_of: Answer | None = None  # for a case called a second time, later: the first call's answer
    # automatic mutants of the reference (see .mutants) and their whole outputs here (None: the mutant failed);
    # None when they were not gathered (the student's answers matched, or there is no reference)
    variants: tuple[tuple[MutantInfo, np.ndarray | None], ...] | None = None
