"""Markdown reports, for GitHub's job summary, a merge request or wherever a summary is pasted.

A graded submission renders what the student may see (:mod:`.audience`); ``grade check``'s
report renders for course staff. Every piece of text is escaped for Markdown and HTML, and
free text (reasons, the student's printed output) goes in code blocks whose fence is longer
than any run of backticks inside, so a student's output cannot turn into markup, links
or workflow commands.
"""

from __future__ import annotations

import html
import re

from ..results import CheckReport, GradeResult, PartResult, RubricCheck
from ..text import inert, inert_line, no_commands
from .audience import Audience, audience_view, number, percent

MAX_PRINTED = 2000  # characters of the student's output shown
MAX_BYTES = 1 << 20  # GitHub's limit for one step's job summary

_ICON = {"passed": "✅", "partial": "🟡", "failed": "❌", "pending": "⏳"}
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")


def render_markdown(result: GradeResult, audience: Audience = Audience.STUDENT) -> str:
    """The report of a graded submission, as what ``audience`` may see."""
    view = audience_view(result, audience)
    shown = view.result
    icon = "✅" if shown.score >= shown.max_score else "❌"
    lines = [f"## {icon} {cell(shown.title)}: {number(shown.score)} / {number(shown.max_score)} "
             f"({percent(view):.1f}%)", "",
             f"{code(shown.submission)} graded with {code(shown.rubric)}", ""]
    if view.pending or view.withheld:
        lines += [_later(view.pending, view.withheld), ""]
    if shown.problem:
        lines += ["**Your submission could not be imported:**", "", *fence(shown.problem), ""]
    lines += ["| | part | question | points |", "|---|---|---|---|"]
    for question in shown.questions:
        for part in question.parts:
            lines.append(f"| {_ICON[part.status]} | {cell(question.id)} ({cell(part.part_id)}) | {cell(part.title)} "
                         f"| {_points(part)} |")
    lost = [p for p in shown.parts() if p.status in ("partial", "failed")]
    if lost and not shown.problem:
        lines += ["", "### Why points were lost", ""]
        for part in lost:
            summary = f"{part.question_id} ({part.part_id}) {part.title}: {number(part.score)} / {number(part.points)}"
            lines += [f"<details><summary>{_ICON[part.status]} {html_text(summary)}</summary>", "",
                      *fence("\n".join(map(str, part.reasons()))), "", "</details>", ""]
    if shown.stdout.strip():
        printed = shown.stdout if len(shown.stdout) <= MAX_PRINTED else shown.stdout[:MAX_PRINTED] + "\n…"
        lines += ["", "**Your program printed:**", "", *fence(printed)]
    return _capped("\n".join(lines).rstrip() + "\n")


def render_check_markdown(report: CheckReport) -> str:
    """``grade check``'s report: one table of graded subjects, then every problem and warning."""
    samples = report.samples()
    failed = sum(not s.ok for s in samples) + sum(1 for r in report.rubrics if r.error or r.errors)
    icon = "✅" if report.ok else "❌"
    lines = [f"## {icon} grade check: {len(report.rubrics)} rubric(s), {len(samples) - sum(not s.ok for s in samples)}"
             f" of {len(samples)} graded as declared", ""]
    if samples:
        lines += ["| rubric | submission | score | as declared |", "|---|---|---|---|"]
        for rubric in report.rubrics:
            for sample in rubric.samples:
                verdict = "✅" if sample.ok else f"❌ {len(sample.mismatches) or 1} mismatch(es)"
                score = "could not grade" if sample.could_not_grade else \
                    f"{number(sample.score)} / {number(sample.max_score)}"
                lines.append(f"| {cell(rubric.name)} | {cell(sample.name)} | {score} | {verdict} |")
        lines.append("")
    problems = [line for rubric in report.rubrics for line in _problems(rubric)]
    warnings = [f"- ⚠️ {cell(str(w))}" for rubric in report.rubrics for w in rubric.warnings]
    if problems:
        lines += [f"### Problems ({failed})", "", *problems, ""]
    if warnings:
        lines += [f"### Warnings ({len(warnings)})", "", *warnings, ""]
    return _capped("\n".join(lines).rstrip() + "\n")


def _problems(rubric: RubricCheck) -> list[str]:
    lines = [f"- ❌ {cell(error)}" for error in rubric.error.splitlines()]
    lines += [f"- ❌ {cell(str(finding))}" for finding in rubric.errors]
    for sample in rubric.samples:
        for why in (sample.could_not_grade, *sample.mismatches):
            if why:
                lines.append(f"- ❌ {cell(rubric.name)}/{cell(sample.name)}: {cell(why)}")
    return lines


def _points(part: PartResult) -> str:
    if part.status == "pending":
        return f"{number(part.pending)} graded after submission"
    text = f"{number(part.score)} / {number(part.points)}"
    return text + (f" (+{number(part.pending)} after submission)" if part.pending else "")


def _later(pending: float, withheld: tuple[str, ...]) -> str:
    parts = []
    if pending:
        parts.append(f"{number(pending)} more point(s) are graded after submission (they need the course's answers)")
    if withheld:
        parts.append("graded after submission: " + ", ".join(cell(name) for name in withheld))
    return "⏳ " + "; ".join(parts) + "."


def html_text(text: str) -> str:
    """``text`` on one line for raw HTML (inside ``<summary>``, Markdown escapes are not read)."""
    return html.escape(no_commands(inert_line(text)))


def cell(text: str) -> str:
    """``text`` on one line, with Markdown and HTML specials escaped: safe in a table cell or a heading."""
    return _SPECIAL.sub(r"\\\1", no_commands(inert_line(text)))


def code(text: str) -> str:
    """Inline code for a name (a file, a rubric), escaped by a long enough backtick run."""
    text = no_commands(inert_line(text))
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{ticks} {text} {ticks}"


def fence(text: str) -> list[str]:
    """A fenced code block holding ``text`` verbatim (control characters neutralised, no workflow command)."""
    text = no_commands(inert(text)).rstrip("\n")
    ticks = "`" * max(3, max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return [f"{ticks}text", text, ticks]


def _capped(text: str) -> str:
    """At most :data:`MAX_BYTES` (GitHub refuses a larger summary), cut at a line with a note."""
    data = text.encode("utf-8")
    if len(data) <= MAX_BYTES:
        return text
    cut = data[:MAX_BYTES - 200].decode("utf-8", "ignore").rsplit("\n", 1)[0]
    return cut + "\n\n… (cut: the full report is longer than a job summary may be)\n"
