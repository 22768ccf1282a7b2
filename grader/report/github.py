"""GitHub Actions: error annotations (workflow commands) and step outputs, as text.

An annotation is one line, ``::error file=F,line=N,title=T::MESSAGE``, that the runner
reads from a step's stdout or stderr and shows on the commit and pull request, at the
student's function that lost points. Its message is escaped (``%``, CR, LF) so that it
stays one line whatever it holds, and its properties are escaped further (``:`` and
``,``). Annotations say only what the student may see (:mod:`.audience`).

A step output is appended to the file ``$GITHUB_OUTPUT`` names: ``name=value`` on one line,
or ``name<<DELIMITER`` … ``DELIMITER`` for a value of several lines, with a random
delimiter the value does not contain. Nothing here touches the environment or files.
"""

from __future__ import annotations

import secrets
from typing import Mapping

from ..results import CheckReport, GradeResult, SourceLine
from ..text import inert
from .audience import Audience, audience_view, number

MAX_MESSAGE = 4000  # characters of one annotation's message (GitHub truncates long ones anyway)


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF percent-encoded (the runner decodes them)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: :func:`escape_data`, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, where: SourceLine | None = None, title: str | None = None) -> str:
    """One workflow command line: ``::error file=…,line=…,title=…::message`` (kind: error, warning, notice)."""
    properties = []
    if where is not None and where.file:
        properties.append(f"file={escape_property(inert(where.file))}")
        if where.line:
            properties.append(f"line={int(where.line)}")
    if title:
        properties.append(f"title={escape_property(inert(title))}")
    text = inert(message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + "…")
    return f"::{kind}{' ' + ','.join(properties) if properties else ''}::{escape_data(text)}"


def annotations(result: GradeResult, where: Mapping[str, SourceLine],
                audience: Audience = Audience.STUDENT) -> list[str]:
    """An error annotation per part that lost points, at the line of the student's code for it.

    ``where`` maps a part's name ("question/part") to its source line; the key ``""`` locates the
    submission itself (an import problem). A part not located is annotated on the file, without a line."""
    view = audience_view(result, audience)
    shown = view.result
    whole = where.get("")
    if shown.problem:
        first = shown.problem.splitlines()[0]
        return [command("error", shown.problem, whole, f"{shown.title}: {first}"[:200])]
    lines = []
    for part in shown.parts():
        if part.status in ("partial", "failed"):
            lost = number(part.points - part.score)
            title = f"{part.question_id} ({part.part_id}): {lost} point(s) lost"
            message = f"{part.title}: {number(part.score)} / {number(part.points)}\n" + \
                "\n".join(map(str, part.reasons()))
            lines.append(command("error", message, where.get(part.name, _file_only(whole)), title))
    return lines


def check_annotations(report: CheckReport) -> list[str]:
    """``grade check``'s problems as errors and its warnings as warnings, at their files and lines."""
    lines = []
    for rubric in report.rubrics:
        for error in rubric.error.splitlines():
            lines.append(command("error", error, SourceLine(rubric.file), f"{rubric.name}: invalid rubric"))
        for finding in rubric.findings:
            kind = "error" if finding.severity == "error" else "warning"
            lines.append(command(kind, finding.message, SourceLine(finding.file, finding.line),
                                 f"{rubric.name}: {finding.rule}"))
        for sample in rubric.samples:
            if not sample.ok:
                why = "\n".join(filter(None, (sample.could_not_grade, *sample.mismatches)))
                lines.append(command("error", why, SourceLine(sample.file, sample.line),
                                     f"{rubric.name}/{sample.name}: not as declared"))
    return lines


def output_line(name: str, value: str) -> str:
    """What to append to ``$GITHUB_OUTPUT`` to set step output ``name`` to ``value``."""
    if "\n" not in value and "\r" not in value:
        return f"{name}={value}\n"
    delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
    while delimiter in value:  # pragma: no cover - 128 random bits
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def _file_only(where: SourceLine | None) -> SourceLine | None:
    return SourceLine(where.file) if where is not None else None
