"""The terminal report: a header, a table of parts per question, then why each lost point was lost.

It reads well at any width, on a terminal or through a pipe (``COLUMNS`` or 80 columns there):
every line of an explanation keeps its indentation when it wraps, a path or an array is folded
onto the next line rather than cut, and a file or pipe gets no trailing spaces. When one call
failed the same way for several parts (a stub's ``raise NotImplementedError``), that is said once,
on one line listing the parts, not once per part. What the student sees of their own printed
output and of the cases' inputs follows :mod:`.printed`.
"""

from __future__ import annotations

import io
import re
from typing import TextIO

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..results import GradeResult, PartResult, QuestionResult, Reason, ReasonKind
from ..text import inert, inert_line
from .audience import Audience, View, audience_view
from .printed import withheld_output_note

_STATUS = {"passed": ("✓ passed", "green"), "partial": ("◐ partial", "yellow"), "failed": ("✗ failed", "red"),
           "pending": ("… after submission", "dim")}
_INDENT = {ReasonKind.SUMMARY: 4, ReasonKind.NOTE: 4, ReasonKind.DETAIL: 6, ReasonKind.CAUSE: 6}
_REASON_STYLE = {ReasonKind.CAUSE: "magenta", ReasonKind.DETAIL: "dim"}
_TRAILING = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """The reader went away: say so to the caller (rich's default would exit the process)."""
        self.quiet = True
        raise BrokenPipeError("the reader closed the pipe")


def make_console(file: TextIO | None = None) -> Console:
    """A console that honours NO_COLOR and plain (non-TTY) output, as rich does by default."""
    return _Console(file=file, highlight=False)


def render_plain(result: GradeResult, audience: Audience = Audience.STUDENT) -> str:
    """The report as plain text (no colour), as written to a file."""
    stream = io.StringIO()
    render(result, make_console(stream), audience)
    return stream.getvalue()


def render(result: GradeResult, console: Console, audience: Audience = Audience.STUDENT) -> None:
    """The report of what ``audience`` may see of ``result`` (see :mod:`.audience`)."""
    show(console, _report(audience_view(result, audience)))


def show(console: Console, renderables: list[RenderableType]) -> None:
    """Print ``renderables``; to a file or a pipe without the trailing spaces rich pads lines with."""
    if console.is_terminal:
        _print(console, renderables)
        return
    with console.capture() as captured:
        _print(console, renderables)
    console.file.write(_TRAILING.sub(r"\1", captured.get()))
    console.file.flush()


def _print(console: Console, renderables: list[RenderableType]) -> None:
    for renderable in renderables:
        if isinstance(renderable, _Whole):
            console.print(renderable.text, crop=False, soft_wrap=True)
        else:
            console.print(renderable)


def _report(view: View) -> list[RenderableType]:
    result = view.result
    out: list[RenderableType] = [*_header(view)]
    if result.problem:
        out.append(Text(inert(result.problem), style="bold red", overflow="fold"))
    collapsed = _same_failures(result) if not result.problem else {}
    said: set[str] = set()
    for question in result.questions:
        out.append(_question_table(question))
        for part in question.parts:
            error = _call_failure(part)
            if error in collapsed:
                if error not in said:
                    said.add(error)
                    out.append(_collapsed(error, collapsed[error]))
            elif part.status not in ("passed", "pending") and not result.problem:
                out.append(_reasons(question, part))
            for remark in part.remarks:
                out.append(_line(f"note on {question.id} ({part.part_id}): {remark}", 0, "dim"))
    if view.withheld:
        out.append(_line("graded after submission: " + ", ".join(view.withheld), 0, "dim"))
    if result.stdout:
        out.append(Panel(Text(inert(result.stdout), overflow="fold"), title="your program printed",
                         title_align="left", border_style="dim"))
    elif view.printed_withheld:
        out.append(_line(withheld_output_note(view.printed_withheld), 0, "dim"))
    return out


def _header(view: View) -> list[RenderableType]:
    """The title and score, then the submission's and the rubric's paths, each whole on one line (a path is
    never broken or cut, so it can be copied, however narrow the terminal)."""
    result = view.result
    percent = 100 * result.score / result.max_score if result.max_score else 100.0
    style = "green" if result.score >= result.max_score else ("yellow" if result.score > 0 else "red")
    title = Text(inert_line(result.title), style="bold", overflow="fold")
    title.append("   ")
    title.append(f"{_fmt(result.score)} / {_fmt(result.max_score)}  ({percent:.1f}%)", style=f"bold {style}")
    lines: list[RenderableType] = [title]
    for label, path in (("submission", result.submission), ("rubric", result.rubric)):
        lines.append(_Whole(Text(f"  {label:<11} {inert_line(path)}", no_wrap=True, overflow="ignore")))
    later = [f"{_fmt(view.pending)} more point(s) need the course's answers"] if view.pending else []
    later += [f"{len(view.withheld)} part(s) not shown yet"] if view.withheld else []
    if later:
        lines.append(_line(f"{'later':<11} " + "; ".join(later) + ": graded after submission", 2, "dim"))
    return [*lines, Text("")]


class _Whole:
    """A line printed whole, wider than the console if need be (a path)."""

    def __init__(self, text: Text) -> None:
        self.text = text


def _question_table(question: QuestionResult) -> Table:
    title = inert_line(f"Question {question.id}: {question.title}   {_fmt(question.score)} / {_fmt(question.points)}")
    table = Table(title=Text(title, style="bold", overflow="fold"), title_justify="left", expand=True)
    table.add_column("part", no_wrap=True)
    table.add_column("question", ratio=1, overflow="fold")
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for part in question.parts:
        label, style = _STATUS[part.status]
        points = f"{_fmt(part.score)} / {_fmt(part.points)}" if part.status != "pending" else "–"
        if part.pending and part.status != "pending":
            points += f" (+{_fmt(part.pending)} later)"
        table.add_row(Text(inert_line(part.part_id)), Text(inert_line(part.title), overflow="fold"), points,
                      Text(label, style=style))
    return table


def _reasons(question: QuestionResult, part: PartResult) -> Group:
    label, style = _STATUS[part.status]
    heading = Text(inert_line(f"{question.id} ({part.part_id}) "), style=f"bold {style}")
    heading.append(inert_line(part.title), style="bold")
    return Group(_heading(label[0], style, heading), *(_reason(reason) for reason in part.reasons()))


def _heading(symbol: str, style: str, text: Text) -> Table:
    """``symbol text``, the text's wrapped lines aligned after the symbol."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold", ratio=1)
    text.overflow = "fold"
    grid.add_row(Text(symbol, style=f"bold {style}"), text)
    return grid


def _reason(reason: Reason) -> Padding:
    label = {ReasonKind.CAUSE: "likely cause: ", ReasonKind.NOTE: "note: "}.get(reason.kind, "")
    return _line(label + reason.text, _INDENT[reason.kind], _REASON_STYLE.get(reason.kind, ""))


def _line(text: str, indent: int, style: str = "") -> Padding:
    """``text`` indented by ``indent`` columns, every wrapped line too; long words fold, never cut."""
    return Padding(Text(inert(text.strip()), style=style, overflow="fold"), (0, 0, 0, indent))


# -- one line for a call that failed the same way for several parts --------------------------


def _call_failure(part: PartResult) -> str:
    """The call failure behind every lost point of ``part`` (e.g. "f() raised ..."), or ""."""
    failed = [c for c in part.checks if not c.passed and not c.deferred]
    errors = {c.error for c in failed}
    return errors.pop() if failed and len(errors) == 1 else ""


def _same_failures(result: GradeResult) -> dict[str, list[tuple[QuestionResult, PartResult]]]:
    """Call failures shared by two parts or more, with those parts in report order."""
    groups: dict[str, list[tuple[QuestionResult, PartResult]]] = {}
    for question in result.questions:
        for part in question.parts:
            error = _call_failure(part) if part.status in ("failed", "partial") else ""
            if error:
                groups.setdefault(error, []).append((question, part))
    return {error: parts for error, parts in groups.items() if len(parts) > 1}


def _collapsed(error: str, parts: list[tuple[QuestionResult, PartResult]]) -> Group:
    by_question: dict[str, list[str]] = {}
    for question, part in parts:
        by_question.setdefault(question.id, []).append(part.part_id)
    where = "; ".join(f"{qid} ({', '.join(ids)})" for qid, ids in by_question.items())
    status = "failed" if all(p.status == "failed" for _, p in parts) else "partial"
    label, style = _STATUS[status]
    heading = Text(inert_line(error), style=f"bold {style}")
    heading.append(inert_line(f": parts {where}"), style="bold")
    first = next(c for c in parts[0][1].checks if not c.passed and not c.deferred and c.error == error)
    details = [line for line in first.details if not line.startswith("inputs: ")]
    return Group(_heading(label[0], style, heading), *(_line(line, 6, "dim") for line in details))


def _fmt(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}"
