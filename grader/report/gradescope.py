"""Gradescope's ``results.json``: one test per rubric part.

Each test keeps its part's ``visibility``: Gradescope itself hides a test from students
until then. The top-level ``output``, which students always see, is written from the
student's view (see :mod:`.audience`): it never mentions a withheld part. ``score`` is the
whole grade, which Gradescope records for the course.
"""

from __future__ import annotations

import json
from typing import Any

from ..results import GradeResult, PartResult
from .audience import audience_view
from .printed import withheld_output_note


def to_gradescope(result: GradeResult) -> dict[str, Any]:
    """The results document Gradescope's autograder harness reads."""
    tests = [_test(question.id, part) for question in result.questions for part in question.parts]
    return {
        "score": _number(result.score),
        "execution_time": round(result.execution_time, 3),
        "output": _overall_output(result),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def render_json(result: GradeResult) -> str:
    return json.dumps(to_gradescope(result), indent=2, ensure_ascii=False) + "\n"


def _test(question_id: str, part: PartResult) -> dict[str, Any]:
    return {
        "name": f"{question_id} ({part.part_id}) {part.title}",
        "number": f"{question_id}.{part.part_id}",
        "score": _number(part.score),
        "max_score": _number(part.points),
        "status": "passed" if part.status == "passed" else "failed",
        "output": "\n".join(map(str, part.reasons())) if part.status != "passed" else _passed_output(part),
        "output_format": "text",
        "visibility": part.visibility,
        **_extra(part),
    }


def _extra(part: PartResult) -> dict[str, Any]:
    """Machine-readable diagnosis classes, for course staff's own statistics."""
    diagnoses = list(part.diagnoses)
    return {"extra_data": {"diagnoses": diagnoses}} if diagnoses else {}


def _passed_output(part: PartResult) -> str:
    return "\n".join([f"{c.kind}: {c.summary}" for c in part.checks] + [f"note: {r}" for r in part.remarks])


def _overall_output(result: GradeResult) -> str:
    view = audience_view(result)
    shown = view.result
    lines = [f"{result.title}: {_number(shown.score)} / {_number(shown.max_score)}"]
    if view.withheld:
        lines.append(f"Graded after submission: {', '.join(view.withheld)}")
    if result.problem:
        lines.append(result.problem)
    if shown.stdout:  # the student's own output, by the rule of .printed (capped; withheld with a hidden part)
        lines += ["", "Your program printed:", shown.stdout]
    elif view.printed_withheld:
        lines += ["", withheld_output_note(view.printed_withheld)]
    return "\n".join(lines)


def _number(value: float) -> float | int:
    rounded = round(value, 4)
    return int(rounded) if rounded == int(rounded) else rounded
