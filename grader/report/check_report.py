"""``grade check``'s report for people (a table, then every problem and warning) and as JSON.

The closing line, ``N passed, M failed``, counts the graded subjects (references and
samples) and the rubrics that could not be loaded or broke a rule.
"""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..results import CheckReport
from ..text import inert_line
from .audience import number

_SHOWN_PER_RULE = 3  # warnings of one rule shown per rubric in the text report


def render_check(report: CheckReport, console: Console) -> None:
    """The table of graded subjects, the problems (red), the warnings (yellow) and the count."""
    console.print(_table(report))
    for rubric in report.rubrics:
        for line in rubric.error.splitlines():
            console.print(Text(inert_line(f"✗ {line}"), style="red"), soft_wrap=True)
        for finding in rubric.errors:
            console.print(Text(inert_line(f"✗ {finding}"), style="red"), soft_wrap=True)
        for sample in rubric.samples:
            for why in filter(None, (sample.could_not_grade, *sample.mismatches)):
                console.print(Text(inert_line(f"✗ {rubric.name}/{sample.name}: {why}"), style="red"), soft_wrap=True)
    for rubric in report.rubrics:
        shown: dict[str, int] = {}
        for finding in rubric.warnings:
            shown[finding.rule] = shown.get(finding.rule, 0) + 1
            if shown[finding.rule] <= _SHOWN_PER_RULE:
                console.print(Text(inert_line(f"warning: {finding}"), style="yellow"), soft_wrap=True)
        for rule, count in shown.items():
            if count > _SHOWN_PER_RULE:
                console.print(Text(f"warning: {rubric.file}: … and {count - _SHOWN_PER_RULE} more [{rule}] "
                                   "(all of them with --format json)", style="yellow"), soft_wrap=True)
    passed, failed = counts(report)
    console.print(f"{passed} passed, {failed} failed")


def counts(report: CheckReport) -> tuple[int, int]:
    """(passed, failed): graded subjects as declared or not, plus each rubric that is invalid or broke a rule."""
    samples = report.samples()
    failed = sum(not s.ok for s in samples) + sum(1 for r in report.rubrics if r.error or r.errors)
    return len(samples) - sum(not s.ok for s in samples), failed


def render_check_json(report: CheckReport) -> str:
    """The whole report as versioned JSON (``grader.check/1``)."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _table(report: CheckReport) -> Table:
    table = Table(title="grade check", title_justify="left")
    for column in ("rubric", "submission", "score", "as declared"):
        table.add_column(column, justify="right" if column == "score" else "left")
    for rubric in report.rubrics:
        for s in rubric.samples:
            if s.could_not_grade:
                verdict, score = Text("✗ could not grade", style="red"), "–"
            else:
                verdict = Text("✓", style="green") if s.ok else Text(f"✗ {len(s.mismatches)} mismatch(es)",
                                                                    style="red")
                score = f"{number(s.score)} / {number(s.max_score)}"
            table.add_row(Text(inert_line(rubric.name)), Text(inert_line(s.name)), score, verdict)
    return table
