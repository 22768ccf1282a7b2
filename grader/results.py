"""What grading produces: scores per check, part and question, ready to render."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckResult:
    """One check of one part: a score in [0, 1], a one-line summary and the reasons it lost points."""

    kind: str
    score: float
    weight: float
    summary: str
    details: tuple[str, ...] = ()
    diagnosis: str | None = None  # stable class of the likely mistake, e.g. "transposed"

    @property
    def passed(self) -> bool:
        return self.score >= 1.0


@dataclass(frozen=True)
class PartResult:
    question_id: str
    part_id: str
    title: str
    points: float
    score: float
    checks: tuple[CheckResult, ...]
    visibility: str = "visible"
    notes: tuple[str, ...] = ()  # context for a lost point, e.g. which inputs were given as correct

    @property
    def name(self) -> str:
        return f"{self.question_id}/{self.part_id}"

    @property
    def status(self) -> str:
        if self.score >= self.points:
            return "passed"
        return "partial" if self.score > 0 else "failed"

    def reasons(self) -> list[str]:
        """Why points were lost, check by check; a detail already given is not repeated."""
        lines: list[str] = []
        seen: set[str] = set()
        for check in self.checks:
            if check.passed:
                continue
            lines.append(f"{check.kind}: {check.summary}")
            for detail in check.details:
                if detail not in seen:
                    seen.add(detail)
                    lines.append(f"  {detail}")
        if lines:
            lines.extend(f"note: {note}" for note in self.notes)
        return lines


@dataclass(frozen=True)
class QuestionResult:
    id: str
    title: str
    parts: tuple[PartResult, ...]

    @property
    def score(self) -> float:
        return sum(p.score for p in self.parts)

    @property
    def points(self) -> float:
        return sum(p.points for p in self.parts)


@dataclass(frozen=True)
class GradeResult:
    submission: str
    rubric: str
    title: str
    questions: tuple[QuestionResult, ...]
    stdout: str = ""
    stderr: str = ""
    problem: str = ""  # a submission-wide failure, e.g. a syntax error, shown first
    execution_time: float = 0.0
    warnings: tuple[str, ...] = ()

    @property
    def score(self) -> float:
        return sum(q.score for q in self.questions)

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions)

    def parts(self) -> list[PartResult]:
        return [p for q in self.questions for p in q.parts]
