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
from pathlib import Path
from typing import Sequence

from ..report.classbook import ClassReport, RowStatus, number
from ..report.gradescope import to_gradescope
from ..report.html import render_html
from ..report.terminal import render_plain
from .analytics import TOTAL, StudentGrade, class_report, current_grades
from .gradebook import Gradebook, RubricInfo

GRADES_CSV = "grades.csv"
CANVAS_CSV = "canvas.csv"
REPORT_HTML = "report.html"
FEEDBACK = "feedback"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_outputs(book: Gradebook, out: Path, rubric: RubricInfo, notes: Sequence[str] = ()) -> ClassReport:
    """Rewrite every output in ``out`` from the gradebook; return the class report it shows."""
    students = current_grades(book, rubric)
    report = class_report(rubric, students, notes)
    _write_feedback(out / FEEDBACK, students)
    write_atomic(out / GRADES_CSV, grades_csv(rubric, students))
    write_atomic(out / CANVAS_CSV, canvas_csv(rubric, students))
    write_atomic(out / REPORT_HTML, render_html(report))
    return report


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text (formula-like text gets a leading apostrophe)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def grades_csv(rubric: RubricInfo, students: Sequence[StudentGrade]) -> str:
    head = ["identifier", "name", "email", "sid", "submission", "total", "max", "percent", "status",
            *(name for name, _, _ in rubric.parts), "adjustments"]
    rows = []
    for student in students:
        scores = {p.name: p.score for p in student.result.parts()} if student.result else {}
        percent = "" if student.total is None or not rubric.max_score else f"{100 * student.total / rubric.max_score:.1f}"
        adjustments = "; ".join(f"{a.part or 'total'} = {a.score:g}: {a.reason}" for a in student.adjustments)
        common = [student.entry.label, number(student.total), number(rubric.max_score), percent, student.status.value,
                  *(number(scores.get(name)) for name, _, _ in rubric.parts), adjustments]
        for identifier, name, email, sid in _people(student):
            rows.append([identifier, name, email, sid, *common])
    return _csv(head, rows)


def canvas_csv(rubric: RubricInfo, students: Sequence[StudentGrade]) -> str:
    head = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{rubric.title}"]
    rows = []
    for student in students:
        score = number(student.total) if student.status.has_score else ""
        for identifier, name, email, sid in _people(student):
            rows.append([name or identifier, "", sid, email or identifier, "", score])
    return _csv(head, rows)


def _people(student: StudentGrade) -> list[tuple[str, str, str, str]]:
    if not student.entry.submitters:
        return [(student.entry.student, "", "", "")]
    return [(s.identifier, s.name, s.email, s.sid) for s in student.entry.submitters]


def _csv(head: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(head)
    writer.writerows([[safe_cell(c) for c in row] for row in rows])
    return buffer.getvalue()


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


def _write_feedback(folder: Path, students: Sequence[StudentGrade]) -> None:
    staging = Path(tempfile.mkdtemp(prefix=".feedback-", dir=folder.parent))
    try:
        for student in students:
            if student.result is None or student.status is RowStatus.COULD_NOT_GRADE:
                continue
            (staging / f"{student.feedback_stem}.txt").write_text(feedback_text(student), encoding="utf-8")
            (staging / f"{student.feedback_stem}.json").write_text(feedback_json(student), encoding="utf-8")
        _sync_folder(staging)
        old = folder.with_name(f".{FEEDBACK}-old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            os.replace(folder, old)
        os.replace(staging, folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a synced temporary file and a rename (never a truncated file)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
