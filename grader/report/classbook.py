"""A class's results, ready to render: rows per student, statistics per part, the common mistakes.

Built by ``grader.batch.analytics`` from the gradebook; rendered by
:mod:`grader.report.html` (``report.html``) and :mod:`grader.report.batch_summary` (the
terminal summary). Plain frozen data, so the renderers know nothing of the batch.
"""

from __future__ import annotations

import enum
import statistics
from dataclasses import dataclass

HISTOGRAM_BINS = 10


class RowStatus(enum.Enum):
    GRADED = "graded"
    ERROR = "error"  # the submission did not import (syntax error, exception at import): graded, 0 for most parts
    TIMED_OUT = "timed out"  # some call hit its time limit: graded
    COULD_NOT_GRADE = "could not grade"  # a fault of ours: no grade
    MISSING = "missing"  # no submission to grade
    REFUSED = "refused"  # a submission that cannot be taken as given (a link, too large, no entry module)
    PENDING = "not graded yet"  # the run stopped before this one

    @property
    def has_score(self) -> bool:
        return self in (RowStatus.GRADED, RowStatus.ERROR, RowStatus.TIMED_OUT)


@dataclass(frozen=True)
class Person:
    name: str = ""
    email: str = ""
    sid: str = ""


@dataclass(frozen=True)
class Adjustment:
    """A manual override shown with the grade: which part ("" for the total), the score and why."""

    part: str
    score: float
    reason: str
    stale: bool = False  # made for an earlier submission of this student


@dataclass(frozen=True)
class StudentRow:
    key: str
    label: str
    people: tuple[Person, ...]
    status: RowStatus
    score: float | None  # with overrides applied; None without a grade
    part_scores: tuple[float | None, ...]  # aligned with ClassReport.parts
    feedback: str  # file stem under feedback/, "" without a grade
    detail: str = ""  # the headline problem, or why it was not graded
    adjustments: tuple[Adjustment, ...] = ()


@dataclass(frozen=True)
class PartInfo:
    name: str  # question/part
    title: str
    points: float


@dataclass(frozen=True)
class Mistake:
    diagnosis: str
    message: str  # what the student was told (the first example's)
    count: int
    example: str  # a student's key
    example_feedback: str


@dataclass(frozen=True)
class PartStats:
    part: PartInfo
    mean: float | None
    full_marks_share: float | None
    mistakes: tuple[Mistake, ...]  # most common first


@dataclass(frozen=True)
class ClassReport:
    title: str
    rubric: str
    max_score: float
    parts: tuple[PartInfo, ...]
    rows: tuple[StudentRow, ...]
    part_stats: tuple[PartStats, ...]
    notes: tuple[str, ...] = ()  # what the input scan reported (duplicates, skipped files)

    def scores(self) -> list[float]:
        return [r.score for r in self.rows if r.score is not None and r.status.has_score]

    def count(self, status: RowStatus) -> int:
        return sum(1 for r in self.rows if r.status is status)

    @property
    def mean(self) -> float | None:
        scores = self.scores()
        return statistics.fmean(scores) if scores else None

    @property
    def median(self) -> float | None:
        scores = self.scores()
        return statistics.median(scores) if scores else None

    def histogram(self) -> list[tuple[float, float, int]]:
        """(low, high, count) over the percentage of the maximum, ten bins; 100 % counts in the last."""
        counts = [0] * HISTOGRAM_BINS
        for score in self.scores():
            share = score / self.max_score if self.max_score else 1.0
            counts[min(HISTOGRAM_BINS - 1, max(0, int(share * HISTOGRAM_BINS)))] += 1
        width = 100 / HISTOGRAM_BINS
        return [(i * width, (i + 1) * width, c) for i, c in enumerate(counts)]

    def top_mistakes(self, limit: int = 5) -> list[tuple[PartInfo, Mistake]]:
        found = [(s.part, m) for s in self.part_stats for m in s.mistakes]
        return sorted(found, key=lambda pm: (-pm[1].count, pm[0].name, pm[1].diagnosis))[:limit]


def number(value: float | None) -> str:
    """A score as people write it: ``3``, ``2.5``, ``0.67``; empty for none."""
    if value is None:
        return ""
    rounded = round(value, 2)
    return f"{rounded:g}" if rounded == int(rounded) else f"{rounded:.2f}".rstrip("0")
