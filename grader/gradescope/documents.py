"""The ``results.json`` documents ``run_autograder`` writes, and how it writes them (atomically).

A graded submission is Gradescope's usual document (:func:`grader.report.gradescope.to_gradescope`:
each test keeps its part's ``visibility``, the top-level ``output`` is the student's view) with
``extra_data.status = "graded"``. When there is no grade (a broken rubric, an upload that cannot
be taken as given, a fault of ours) the document says so visibly, scores 0 for staff to regrade,
and keeps the reason for course staff in ``extra_data`` (stored, never shown to students).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..atomic import write_atomic
from .. import __version__
from ..report.gradescope import to_gradescope
from ..results import GradeResult

GRADED = "graded"
COULD_NOT_GRADE = "could_not_grade"
# Why there is no grade (extra_data.kind).
RUBRIC_ERROR = "rubric_error"
REFUSED = "refused"
FAULT = "fault"

NOT_GRADED_MESSAGE = "The autograder could not grade this submission; course staff will regrade it."
_NOT_YOUR_CODE = "This is not a problem with your code."


def graded_document(result: GradeResult) -> dict[str, Any]:
    """The results of a graded submission, with the grader's warnings for staff."""
    document = to_gradescope(result)
    document["extra_data"] = {"status": GRADED, "grader_version": __version__, "warnings": list(result.warnings)}
    return document


def not_graded_document(kind: str, reason: str, student_note: str = "", seconds: float = 0.0) -> dict[str, Any]:
    """No grade: score 0 and a visible "could not grade" message; ``reason`` is for staff only.

    ``student_note`` is shown after the message (for an upload that was refused: why, so the
    student can submit again); without one the message says it is not the student's fault."""
    return {
        "score": 0,
        "execution_time": round(max(seconds, 0.0), 3),
        "output": f"{NOT_GRADED_MESSAGE}\n{student_note or _NOT_YOUR_CODE}",
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
        "extra_data": {"status": COULD_NOT_GRADE, "kind": kind, "reason": reason, "grader_version": __version__},
    }


def write_document(document: dict[str, Any], target: Path) -> None:
    """Write ``document`` to ``target`` atomically (a temporary file renamed into place); OSError on failure."""
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    write_atomic(target, text, mode=0o644)
