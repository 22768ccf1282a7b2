"""The terminal report: a header, a table of parts per question, then why each lost point was lost."""

from __future__ import annotations

import io
from typing import TextIO

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..results import GradeResult, PartResult, QuestionResult, ReasonKind
from ..text import inert, inert_line
from .audience import Audience, View, audience_view

_STATUS = {"passed": ("✓ passed", "green"), "partial": ("◐ partial", "yellow"), "failed": ("✗ failed", "red"),
           "pending": ("… after submission", "dim")}


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
    view = audience_view(result, audience)
    result = view.result
    console.print(_header(view))
    if result.problem:
        console.print(Text(inert(result.problem), style="bold red"))
    for question in result.questions:
        console.print(_question_table(question))
        for part in question.parts:
            if part.status not in ("passed", "pending") and not result.problem:
                console.print(_reasons(question, part))
            for remark in part.remarks:
                console.print(Text(inert_line(f"note on {question.id} ({part.part_id}): {remark}"), style="dim"))
    if view.withheld:
        console.print(Text(inert_line("graded after submission: " + ", ".join(view.withheld)), style="dim"))
    if result.stdout.strip():
        console.print(Panel(Text(inert(result.stdout.rstrip())), title="your program printed", title_align="left",
                            border_style="dim"))


def _header(view: View) -> Panel:
    result = view.result
    percent = 100 * result.score / result.max_score if result.max_score else 100.0
    style = "green" if result.score >= result.max_score else ("yellow" if result.score > 0 else "red")
    body = Table.grid(padding=(0, 2))
    body.add_row("submission", Text(inert_line(result.submission)))
    body.add_row("rubric", Text(inert_line(result.rubric)))
    body.add_row("score", Text(f"{_fmt(result.score)} / {_fmt(result.max_score)}  ({percent:.1f}%)",
                               style=f"bold {style}"))
    later = [f"{_fmt(view.pending)} more point(s) need the course's answers"] if view.pending else []
    later += [f"{len(view.withheld)} part(s) not shown yet"] if view.withheld else []
    if later:
        body.add_row("later", Text("; ".join(later) + ": graded after submission", style="dim"))
    return Panel(body, title=Text(inert_line(result.title), style="bold"), title_align="left")


def _question_table(question: QuestionResult) -> Table:
    title = inert_line(f"Question {question.id}: {question.title}   {_fmt(question.score)} / {_fmt(question.points)}")
    table = Table(title=Text(title, style="bold"), title_justify="left", expand=True)
    table.add_column("part", no_wrap=True)
    table.add_column("question", ratio=1)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for part in question.parts:
        label, style = _STATUS[part.status]
        points = f"{_fmt(part.score)} / {_fmt(part.points)}" if part.status != "pending" else "–"
        if part.pending and part.status != "pending":
            points += f" (+{_fmt(part.pending)} later)"
        table.add_row(Text(inert_line(part.part_id)), Text(inert_line(part.title)), points,
                      Text(label, style=style))
    return table


def _reasons(question: QuestionResult, part: PartResult) -> Text:
    label, style = _STATUS[part.status]
    text = Text(inert_line(f"{label[0]} {question.id} ({part.part_id}) "), style=f"bold {style}")
    text.append(inert_line(part.title), style="bold")
    for reason in part.reasons():
        text.append("\n    " + inert(str(reason)), style=_REASON_STYLE.get(reason.kind, ""))
    return text


_REASON_STYLE = {ReasonKind.CAUSE: "magenta", ReasonKind.DETAIL: "dim"}


def _fmt(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}"
