"""The terminal summary at the end of ``grade batch``: counts, mean and median, a histogram, top mistakes."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..text import inert_line
from .classbook import ClassReport, RowStatus, number

_BAR = 30


def render_summary(report: ClassReport, console: Console, graded_now: int, unchanged: int, seconds: float) -> None:
    console.print(Group(_counts(report, graded_now, unchanged, seconds), _histogram(report), _mistakes(report)))


def _counts(report: ClassReport, graded_now: int, unchanged: int, seconds: float) -> Group:
    table = Table.grid(padding=(0, 2))
    rate = f" ({graded_now / seconds:.1f}/s)" if graded_now and seconds > 0 else ""
    table.add_row("this run", f"graded {graded_now} in {seconds:.1f} s{rate}, {unchanged} unchanged")
    table.add_row("submissions", str(len(report.rows)))
    for status in RowStatus:
        count = report.count(status)
        if count:
            style = "red" if status in (RowStatus.COULD_NOT_GRADE, RowStatus.MISSING, RowStatus.PENDING) else ""
            table.add_row(f"  {status.value}", Text(str(count), style=style))
    table.add_row("mean", f"{number(report.mean) or '-'} / {number(report.max_score)}")
    table.add_row("median", f"{number(report.median) or '-'} / {number(report.max_score)}")
    return Group(Text(inert_line(report.title), style="bold"), table)


def _histogram(report: ClassReport) -> Table:
    bins = report.histogram()
    top = max((c for _, _, c in bins), default=0) or 1
    table = Table(title="scores (% of the maximum)", title_justify="left", show_header=False, box=None)
    for low, high, count in bins:
        table.add_row(f"{low:3.0f}–{high:3.0f}%", Text("█" * round(_BAR * count / top), style="blue"), str(count))
    return table


def _mistakes(report: ClassReport) -> Table:
    table = Table(title="most common mistakes", title_justify="left")
    table.add_column("part", no_wrap=True)
    table.add_column("diagnosis")
    table.add_column("students", justify="right")
    table.add_column("e.g.")
    for part, mistake in report.top_mistakes():
        table.add_row(inert_line(part.name), inert_line(mistake.diagnosis), str(mistake.count),
                      inert_line(mistake.example))
    if not table.rows:
        table.add_row("-", "none", "", "")
    return table
