"""Everything ``grade batch`` writes besides the gradebook, derived from the gradebook alone.

* ``grades.csv``: one row per student (a group submission: one row per submitter) for the
  submission present now. Columns: ``identifier``, ``name``, ``email``, ``sid``,
  ``submission``, ``total``, ``max``, ``percent``, ``status``, one column per rubric part
  (``question/part``), and ``adjustments`` (overrides and their reasons). A missing or
  ungraded submission has empty scores, never 0.
* ``canvas.csv``: Canvas's gradebook import (``Student``, ``ID``, ``SIS User ID``,
  ``SIS Login ID``, ``Section``, then one column named after the assignment).
* ``feedback/<student>.txt`` (the report ``grade`` prints, without colour) and
  ``feedback/<student>.json`` (Gradescope's results.json), under sanitised unique names.
* ``report.html``: the class report (:mod:`grader.report.html`).

Text cells that a spreadsheet would run as a formula (starting with ``= + - @``, a tab or
a carriage return) are prefixed with an apostrophe. Every file is written to a temporary
name, synced and renamed; the feedback folder is built aside and swapped in whole.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..atomic import write_atomic
from ..report.classbook import ClassReport, RowStatus, number
from ..report.gradescope import to_gradescope
from ..report.html import render_html
from ..report.terminal import render_plain
from .analytics import TOTAL, ClassStats, StudentGrade, current_grades
from .gradebook import Gradebook, RubricInfo

GRADES_CSV = "grades.csv"
CANVAS_CSV = "canvas.csv"
REPORT_HTML = "report.html"
FEEDBACK = "feedback"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_outputs(book: Gradebook, out: Path, rubric: RubricInfo, notes: Sequence[str] = ()) -> ClassReport:
    """Rewrite every output in ``out`` from the gradebook; return the class report it shows.

    Students are read one at a time (feedback written, rows and statistics kept small), so
    memory stays flat however large the class."""
    stats = ClassStats(rubric)
    grades, canvas = _Table(grades_header(rubric)), _Table(CANVAS_HEADER + [rubric.title])
    with _FeedbackFolder(out / FEEDBACK) as feedback:
        for student in current_grades(book, rubric):
            feedback.write(student)
            grades.add(grades_rows(rubric, student))
            canvas.add(canvas_rows(student))
            stats.add(student)
    report = stats.report(notes)
    write_atomic(out / GRADES_CSV, grades.text())
    write_atomic(out / CANVAS_CSV, canvas.text())
    write_atomic(out / REPORT_HTML, render_html(report))
    return report


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text (formula-like text gets a leading apostrophe)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def grades_header(rubric: RubricInfo) -> list[str]:
    return ["identifier", "name", "email", "sid", "submission", "total", "max", "percent", "status",
            *(name for name, _, _ in rubric.parts), "adjustments"]


def grades_rows(rubric: RubricInfo, student: StudentGrade) -> list[list[str]]:
    """The student's grades.csv rows (one per submitter of a group submission)."""
    scores = {p.name: p.score for p in student.result.parts()} if student.result else {}
    percent = "" if student.total is None or not rubric.max_score else f"{100 * student.total / rubric.max_score:.1f}"
    adjustments = "; ".join(f"{a.part or 'total'} = {a.score:g}: {a.reason}" for a in student.adjustments)
    common = [student.entry.label, number(student.total), number(rubric.max_score), percent, student.status.value,
              *(number(scores.get(name)) for name, _, _ in rubric.parts), adjustments]
    return [[identifier, name, email, sid, *common] for identifier, name, email, sid in _people(student)]


def canvas_rows(student: StudentGrade) -> list[list[str]]:
    """The student's rows in Canvas's gradebook import (an empty score when there is no grade)."""
    score = number(student.total) if student.status.has_score else ""
    return [[name or identifier, "", sid, email or identifier, "", score]
            for identifier, name, email, sid in _people(student)]


def _people(student: StudentGrade) -> list[tuple[str, str, str, str]]:
    if not student.entry.submitters:
        return [(student.entry.student, "", "", "")]
    return [(s.identifier, s.name, s.email, s.sid) for s in student.entry.submitters]


class _Table:
    """CSV text built row by row, every cell neutralised for spreadsheets."""

    def __init__(self, head: list[str]) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self._writer.writerow(head)

    def add(self, rows: list[list[str]]) -> None:
        self._writer.writerows([[safe_cell(c) for c in row] for row in rows])

    def text(self) -> str:
        return self._buffer.getvalue()


def feedback_text(student: StudentGrade) -> str:
    """The plain report the student gets (overrides shown), as ``grade`` would print it."""
    stored = student.grade.feedback if student.grade else ""
    text = stored if stored and not student.adjustments else render_plain(student.result)
    total = next((a for a in student.adjustments if a.part == TOTAL), None)
    if total is not None:
        text += f"Total adjusted by course staff to {total.score:g}: {total.reason}\n"
    return text


def feedback_json(student: StudentGrade) -> str:
    document = to_gradescope(student.result)
    total = next((a for a in student.adjustments if a.part == TOTAL), None)
    if total is not None:
        document["score"] = total.score
        document["output"] += f"\nTotal adjusted by course staff to {total.score:g}: {total.reason}"
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


class _FeedbackFolder:
    """Feedback files written into a staging folder, swapped in whole when every student is written."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.staging = Path(tempfile.mkdtemp(prefix=".feedback-", dir=folder.parent))

    def __enter__(self) -> _FeedbackFolder:
        return self

    def write(self, student: StudentGrade) -> None:
        if student.result is None or student.status is RowStatus.COULD_NOT_GRADE:
            return
        (self.staging / f"{student.feedback_stem}.txt").write_text(feedback_text(student), encoding="utf-8")
        (self.staging / f"{student.feedback_stem}.json").write_text(feedback_json(student), encoding="utf-8")

    def __exit__(self, kind, *rest) -> None:
        if kind is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            return
        try:
            _sync_folder(self.staging)
            old = self.folder.with_name(f".{FEEDBACK}-old")
            shutil.rmtree(old, ignore_errors=True)
            if self.folder.exists():
                os.replace(self.folder, old)
            os.replace(self.staging, self.folder)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(self.staging, ignore_errors=True)
            raise


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


