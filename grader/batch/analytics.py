"""From the gradebook to a class's report: each student's current grade, overrides applied, and statistics.

A student's grade is the gradebook row for the submission present now (the roster) under
the current rubric. Overrides replace a part's score (or the total) and are shown
wherever the grade is. Statistics (per-part mean, share of full marks, most common
diagnoses with an example student) are over students who have a grade.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..report.classbook import Adjustment, ClassReport, Mistake, PartInfo, PartStats, Person, RowStatus, StudentRow
from ..results import CheckResult, CouldNotGrade, GradeResult, PartResult, QuestionResult
from .gradebook import Grade, Gradebook, Override, RosterEntry, RubricInfo

TOTAL = ""  # the override "part" that stands for the whole score
_TOP_MISTAKES = 3


@dataclass(frozen=True)
class StudentGrade:
    """One student's current state: the roster entry, the grade (if any) and its overrides applied."""

    entry: RosterEntry
    grade: Grade | None
    status: RowStatus
    result: GradeResult | None  # overrides applied
    total: float | None
    adjustments: tuple[Adjustment, ...]
    feedback_stem: str


def current_grades(book: Gradebook, rubric: RubricInfo) -> Iterator[StudentGrade]:
    """Every student on the roster, in roster order, with their grade under ``rubric``; one at a time, so
    memory does not grow with the class (a full result is large)."""
    overrides = book.overrides()
    roster = book.roster()
    stems = feedback_stems([e.student for e in roster])
    for entry in roster:
        grade = book.grade_for(entry.student, entry.content_hash, rubric.rubric_hash) if entry.content_hash else None
        yield _student(entry, grade, overrides.get(entry.student, {}), stems[entry.student])


def _student(entry: RosterEntry, grade: Grade | None, overrides: dict[str, Override], stem: str) -> StudentGrade:
    if entry.content_hash is None:
        return StudentGrade(entry, None, RowStatus.MISSING, None, None, (), "")
    if grade is None:
        return StudentGrade(entry, None, RowStatus.PENDING, None, None, (), "")
    if isinstance(grade.outcome, CouldNotGrade):
        return StudentGrade(entry, grade, RowStatus.COULD_NOT_GRADE, None, None, (), "")
    adjustments = tuple(Adjustment(o.part, o.score, o.reason, o.content_hash not in (None, entry.content_hash))
                        for o in overrides.values())
    result = apply_overrides(grade.outcome, overrides)
    total = overrides[TOTAL].score if TOTAL in overrides else result.score
    return StudentGrade(entry, grade, status_of(grade.outcome), result, total, adjustments, stem)


def status_of(result: GradeResult) -> RowStatus:
    if result.problem:
        return RowStatus.ERROR
    if any(_timed_out(check) for part in result.parts() for check in part.checks):
        return RowStatus.TIMED_OUT
    return RowStatus.GRADED


def _timed_out(check: CheckResult) -> bool:
    """A check that failed because a call hit its time limit.

    The result format has no structured flag for this yet, so this reads the sandbox's fixed
    wording ("timed out after N s", "not run: f() timed out ..."); see the report of issue 11."""
    return not check.passed and ("timed out after" in check.summary or ") timed out on an earlier case" in check.summary)


def apply_overrides(result: GradeResult, overrides: dict[str, Override]) -> GradeResult:
    """``result`` with each overridden part's score replaced and a note saying by whom and why."""
    parts = {name: o for name, o in overrides.items() if name != TOTAL}
    if not parts:
        return result
    questions = tuple(QuestionResult(q.id, q.title, tuple(_override_part(p, parts.get(p.name)) for p in q.parts))
                      for q in result.questions)
    return dataclasses.replace(result, questions=questions)


def _override_part(part: PartResult, override: Override | None) -> PartResult:
    if override is None:
        return part
    note = f"score adjusted by course staff to {override.score:g} / {part.points:g}: {override.reason}"
    return dataclasses.replace(part, score=override.score, notes=(*part.notes, note))


def feedback_stems(keys: Sequence[str]) -> dict[str, str]:
    """A safe, unique file stem for each student key (never a raw name: no path separators, no dots first)."""
    stems = {key: _slug(key) for key in keys}
    counts = Counter(s.casefold() for s in stems.values())
    return {key: (stem if counts[stem.casefold()] == 1 else f"{stem}-{hashlib.sha256(key.encode()).hexdigest()[:8]}")
            for key, stem in stems.items()}


def _slug(key: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9._@+-]+", "_", ascii_text).strip("._-")[:64]
    if not slug or slug.upper().split(".")[0] in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}:
        slug = "student-" + hashlib.sha256(key.encode()).hexdigest()[:8]
    return slug


class ClassStats:
    """Aggregates students one by one into a :class:`ClassReport` (rows, per-part means, common mistakes)."""

    def __init__(self, rubric: RubricInfo) -> None:
        self.rubric = rubric
        self.parts = tuple(PartInfo(name, title, points) for name, title, points in rubric.parts)
        self.rows: list[StudentRow] = []
        self._sums: dict[str, list[float]] = {p.name: [0.0, 0, 0] for p in self.parts}  # sum, count, full marks
        self._mistakes: dict[str, Counter[str]] = {p.name: Counter() for p in self.parts}
        self._examples: dict[tuple[str, str], tuple[str, str, str]] = {}

    def add(self, student: StudentGrade) -> None:
        self.rows.append(_row(student, self.parts))
        if student.result is None:
            return
        for part in student.result.parts():
            if part.name not in self._sums:
                continue
            totals = self._sums[part.name]
            totals[0] += part.score
            totals[1] += 1
            totals[2] += part.score >= part.points - 1e-9
            for diagnosis in part.diagnoses:
                self._mistakes[part.name][diagnosis] += 1
                self._examples.setdefault((part.name, diagnosis), (student.entry.student, student.feedback_stem,
                                                                   _message(part, diagnosis)))

    def report(self, notes: Sequence[str] = ()) -> ClassReport:
        return ClassReport(self.rubric.title, self.rubric.path, self.rubric.max_score, self.parts, tuple(self.rows),
                           tuple(self._part_stats(p) for p in self.parts), tuple(notes))

    def _part_stats(self, part: PartInfo) -> PartStats:
        total, count, full = self._sums[part.name]
        if not count:
            return PartStats(part, None, None, ())
        ranked = sorted(self._mistakes[part.name].items(), key=lambda kv: (-kv[1], kv[0]))[:_TOP_MISTAKES]
        mistakes = []
        for diagnosis, n in ranked:
            key, stem, message = self._examples[(part.name, diagnosis)]
            mistakes.append(Mistake(diagnosis, message, n, key, stem))
        return PartStats(part, total / count, full / count, tuple(mistakes))


def _row(student: StudentGrade, parts: tuple[PartInfo, ...]) -> StudentRow:
    entry = student.entry
    people = tuple(Person(s.name, s.email, s.sid) for s in entry.submitters)
    scores: dict[str, float] = {p.name: p.score for p in student.result.parts()} if student.result else {}
    detail = entry.problem
    if student.grade is not None and isinstance(student.grade.outcome, CouldNotGrade):
        detail = student.grade.outcome.reason
    elif student.result is not None:
        detail = student.result.problem
    return StudentRow(entry.student, entry.label, people, student.status, student.total,
                      tuple(scores.get(p.name) for p in parts), student.feedback_stem, detail, student.adjustments)


def _message(part: PartResult, diagnosis: str) -> str:
    return next((c.finding.message for c in part.checks if c.diagnosis == diagnosis and c.finding), "")
