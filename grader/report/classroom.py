"""GitHub Classroom's runner result: what ``autograding-grading-reporter`` reads from each runner step.

Classroom's own runner actions set a step output ``result``: a JSON document, base64
encoded, ``{"version": 1, "status": "pass" | "fail" | "error", "max_score": N, "tests":
[{"name", "status", "score", "message", "test_code", "filename", "line_no", "duration"}]}``.
The reporter (``runners: <step id>``, with ``<STEP ID>_RESULTS`` in its environment) sums
the tests' scores into the points it posts, prints each test's name and message in its
log, and fails the job when a runner's status is ``fail`` or ``error``. One test per part
the student may see (:mod:`.audience`); parts graded after submission are not in it.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Mapping

from ..results import GradeResult, SourceLine
from ..text import inert
from .audience import Audience, audience_view

VERSION = 1


def classroom_result(result: GradeResult, where: Mapping[str, SourceLine] | None = None,
                     audience: Audience = Audience.STUDENT) -> dict[str, Any]:
    """The runner result of a graded submission (the ``where`` of each part fills ``filename``/``line_no``)."""
    where = where or {}
    shown = audience_view(result, audience).result
    tests = [_test(part, where.get(part.name, where.get("")), shown.problem)
             for part in shown.parts() if part.status != "pending"]
    status = "pass" if shown.score >= shown.max_score - 1e-9 else "fail"
    return {"version": VERSION, "status": status, "max_score": _number(shown.max_score), "tests": tests}


def classroom_error(reason: str) -> dict[str, Any]:
    """The runner result when there is no grade (a fault of the grading machine, not the student's)."""
    test = {"name": "grade", "status": "error", "score": 0, "message": _text(reason), "test_code": "",
            "filename": "", "line_no": 0, "duration": 0}
    return {"version": VERSION, "status": "error", "max_score": 0, "tests": [test]}


def encode(document: Mapping[str, Any]) -> str:
    """The document as Classroom's reporter decodes it: compact JSON, UTF-8, base64 (one line)."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _test(part, where: SourceLine | None, problem: str) -> dict[str, Any]:
    passed = part.status == "passed"
    message = "" if passed else ("\n".join(map(str, part.reasons())) or problem)
    return {
        "name": _text(f"{part.question_id} ({part.part_id}) {part.title}"),
        "status": "pass" if passed else "fail",
        "score": _number(part.score),
        "message": _text(message),
        "test_code": "",
        "filename": _text(where.file) if where else "",
        "line_no": int(where.line or 0) if where else 0,
        "duration": 0,
    }


def _text(text: str) -> str:
    """The reporter prints names and messages in the job log: no control character, no workflow command."""
    return inert(text)  # inert() also breaks workflow commands


def _number(value: float) -> float | int:
    rounded = round(value, 4)
    return int(rounded) if rounded == int(rounded) else rounded
