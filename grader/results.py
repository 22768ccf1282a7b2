"""What grading produces: scores per check, part and question, the reasons, ready to render.

Everything here is frozen plain data with a versioned JSON round trip, so a result can
be stored (a gradebook), sent between processes (a cluster) and rendered later by any
report. Reports read these types and nothing else.
"""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass
from typing import Any, Literal, Mapping

RESULT_FORMAT = "grader.result/1"


@dataclass(frozen=True)
class Finding:
    """The likely mistake behind a lost point: a stable class and one sentence for the student."""

    kind: str  # a generic class ("transposed", "scaled", ...) or a rubric-declared mistake's name
    message: str
    declared: bool = False  # declared by the rubric (a known wrong implementation), not generic

    @property
    def label(self) -> str:
        """The machine-readable class: ``transposed``, or ``mistake:<name>`` for a declared mistake."""
        return f"mistake:{self.kind}" if self.declared else self.kind


@dataclass(frozen=True)
class CheckResult:
    """One check of one part: a score in [0, 1], a one-line summary and the reasons it lost points."""

    kind: str
    score: float
    weight: float
    summary: str
    details: tuple[str, ...] = ()
    finding: Finding | None = None
    deferred: bool = False  # not run here (it needs the reference): graded after submission
    remarks: tuple[str, ...] = ()  # worth knowing even when the check passed (e.g. float32 precision)
    error: str = ""  # the call's own failure when it failed so on every case it judged (e.g. "f() raised ...")

    @property
    def passed(self) -> bool:
        return self.score >= 1.0

    @property
    def diagnosis(self) -> str | None:
        return self.finding.label if self.finding else None


class ReasonKind(enum.Enum):
    SUMMARY = "summary"  # what a failed check found
    DETAIL = "detail"  # supporting lines: inputs, a traceback
    CAUSE = "cause"  # the likely mistake
    NOTE = "note"  # context, e.g. which arguments were given as correct


_REASON_PREFIX = {ReasonKind.SUMMARY: "", ReasonKind.DETAIL: "  ", ReasonKind.CAUSE: "  likely cause: ",
                  ReasonKind.NOTE: "note: "}


@dataclass(frozen=True)
class Reason:
    """One line of why a part lost points."""

    kind: ReasonKind
    text: str

    def __str__(self) -> str:
        return _REASON_PREFIX[self.kind] + self.text


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
    pending: float = 0.0  # points of checks not run here (graded after submission); not in ``points``

    @property
    def name(self) -> str:
        return f"{self.question_id}/{self.part_id}"

    @property
    def status(self) -> str:
        """``passed``, ``partial`` or ``failed``; ``pending`` when every point is graded after submission."""
        if self.pending > 0 and self.points <= 0:
            return "pending"
        if self.score >= self.points:
            return "passed"
        return "partial" if self.score > 0 else "failed"

    @property
    def remarks(self) -> tuple[str, ...]:
        """What the student should know about this part even at full marks."""
        return tuple(dict.fromkeys(r for c in self.checks for r in c.remarks))

    @property
    def diagnoses(self) -> tuple[str, ...]:
        """The distinct mistake classes of the failed checks, in order."""
        return tuple(dict.fromkeys(c.diagnosis for c in self.checks if c.diagnosis))

    def reasons(self) -> list[Reason]:
        """Why points were lost, check by check; a detail or cause already given is not repeated."""
        lines: list[Reason] = []
        seen: set[Reason] = set()
        for check in self.checks:
            if check.passed or check.deferred:
                continue
            lines.append(Reason(ReasonKind.SUMMARY, f"{check.kind}: {check.summary}"))
            extra = [Reason(ReasonKind.DETAIL, d) for d in check.details]
            if check.finding is not None:
                extra.append(Reason(ReasonKind.CAUSE, check.finding.message))
            for reason in extra:
                if reason not in seen:
                    seen.add(reason)
                    lines.append(reason)
        if lines:
            lines.extend(Reason(ReasonKind.NOTE, note) for note in self.notes)
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
    """A graded submission: a score for every part, with the reasons (the student's failures are grades)."""

    submission: str
    rubric: str
    title: str
    questions: tuple[QuestionResult, ...]
    stdout: str = ""
    stderr: str = ""
    problem: str = ""  # a submission-wide failure, e.g. a syntax error, shown first
    execution_time: float = 0.0
    output_truncated: bool = False  # the submission printed more than was kept
    warnings: tuple[str, ...] = ()
    layers: tuple[tuple[str, bool], ...] = ()  # the sandbox layers and whether each was in force
    after_submission: tuple[str, ...] = ()  # parts ("question/part") a public rubric leaves to the course

    @property
    def score(self) -> float:
        return sum(q.score for q in self.questions)

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions)

    @property
    def pending(self) -> float:
        """Points of checks this run could not make (no reference): graded after submission."""
        return sum(p.pending for p in self.parts())

    def parts(self) -> list[PartResult]:
        return [p for q in self.questions for p in q.parts]

    def to_dict(self) -> dict[str, Any]:
        return {"format": RESULT_FORMAT, "status": "graded", **asdict(self)}


@dataclass(frozen=True)
class CouldNotGrade:
    """A fault of ours (disk, temp folder, sandbox start, the reference): no grade was given."""

    submission: str
    rubric: str
    reason: str  # one line that says what failed and that it is not the student's fault
    kind: str = "internal"  # "sandbox" | "disk" | "reference" | "internal"

    def to_dict(self) -> dict[str, Any]:
        return {"format": RESULT_FORMAT, "status": "could_not_grade", **asdict(self)}


Outcome = GradeResult | CouldNotGrade


def outcome_to_json(outcome: Outcome) -> str:
    """The versioned JSON form of a result (the full result, not a report's subset)."""
    return json.dumps(outcome.to_dict(), ensure_ascii=False, allow_nan=False)


def outcome_from_json(text: str) -> Outcome:
    """Read :func:`outcome_to_json`'s output back; ValueError for another format or version."""
    return outcome_from_dict(json.loads(text))


def outcome_from_dict(raw: Mapping[str, Any]) -> Outcome:
    """The outcome a :meth:`GradeResult.to_dict` or :meth:`CouldNotGrade.to_dict` made; ValueError otherwise."""
    if not isinstance(raw, Mapping) or raw.get("format") != RESULT_FORMAT:
        found = raw.get("format") if isinstance(raw, Mapping) else type(raw).__name__
        raise ValueError(f"not a {RESULT_FORMAT} document (format {found!r})")
    try:
        return _outcome(raw)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"a malformed {RESULT_FORMAT} document: {type(exc).__name__}: {exc}") from None


def _outcome(raw: Mapping[str, Any]) -> Outcome:
    fields = {k: v for k, v in raw.items() if k not in ("format", "status")}
    if raw.get("status") == "could_not_grade":
        return CouldNotGrade(**fields)
    fields["questions"] = tuple(_question(q) for q in fields["questions"])
    fields["warnings"] = tuple(fields.get("warnings", ()))
    fields["layers"] = tuple((str(name), bool(active)) for name, active in fields.get("layers", ()))
    fields["after_submission"] = tuple(str(name) for name in fields.get("after_submission", ()))
    return GradeResult(**fields)


def _question(raw: Mapping[str, Any]) -> QuestionResult:
    return QuestionResult(raw["id"], raw["title"], tuple(_part(p) for p in raw["parts"]))


def _part(raw: Mapping[str, Any]) -> PartResult:
    fields = dict(raw, checks=tuple(_check(c) for c in raw["checks"]), notes=tuple(raw.get("notes", ())))
    return PartResult(**fields)


def _check(raw: Mapping[str, Any]) -> CheckResult:
    finding = Finding(**raw["finding"]) if raw.get("finding") else None
    return CheckResult(**dict(raw, details=tuple(raw.get("details", ())), finding=finding,
                              remarks=tuple(raw.get("remarks", ()))))


# -- grade check: a course repo's self-test ------------------------------------------

CHECK_FORMAT = "grader.check/1"
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class LintFinding:
    """Something ``grade check`` found in a rubric or its samples, located to a file, a line and a key."""

    rule: str  # a stable name, e.g. "undeclared-sample", "unused-dimension"
    severity: Severity  # an error fails the check; a warning is reported
    message: str
    file: str
    line: int | None = None
    key_path: str = ""  # e.g. "questions[2].parts[0]"

    def __str__(self) -> str:
        location = f"{self.file}:{self.line}" if self.line else self.file
        key = f" {self.key_path}:" if self.key_path else ""
        return f"{location}:{key} {self.message} [{self.rule}]"


@dataclass(frozen=True)
class SampleCheck:
    """The reference or one sample, graded by ``grade check``, and every way it differs from what is declared."""

    name: str  # "(reference)", or the sample's name in expected.yaml
    file: str
    score: float = 0.0
    max_score: float = 0.0
    mismatches: tuple[str, ...] = ()
    could_not_grade: str = ""  # a fault of ours: why there is no score
    line: int | None = None  # the sample's line in expected.yaml

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.could_not_grade


@dataclass(frozen=True)
class RubricCheck:
    """One rubric's self-test: whether it loads, its graded reference and samples, and the lint findings."""

    name: str
    file: str
    title: str = ""
    samples: tuple[SampleCheck, ...] = ()
    findings: tuple[LintFinding, ...] = ()
    error: str = ""  # the rubric or its reference cannot be used: why (each line one error)
    public: bool = False  # a published rubric: no reference, no samples

    @property
    def errors(self) -> tuple[LintFinding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[LintFinding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.error and not self.errors and all(s.ok for s in self.samples)


@dataclass(frozen=True)
class CheckReport:
    """Everything ``grade check`` found, for every rubric it was given."""

    rubrics: tuple[RubricCheck, ...]
    strict: bool = False  # missing samples and expectations were errors, not warnings

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rubrics)

    def samples(self) -> list[SampleCheck]:
        return [s for r in self.rubrics for s in r.samples]

    def to_dict(self) -> dict[str, Any]:
        return {"format": CHECK_FORMAT, "ok": self.ok, **asdict(self)}


@dataclass(frozen=True)
class SourceLine:
    """Where something is in a file, for annotations: the file as its reader names it, a 1-based line."""

    file: str
    line: int | None = None
