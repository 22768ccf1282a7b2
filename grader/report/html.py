"""``report.html``: one self-contained page about a class's results.

No script, no network, no CDN: inline CSS and an inline SVG histogram, and a content
security policy that forbids loading anything. Every piece of text that came from a
student or from metadata (names, file names, messages) goes through :func:`html.escape`.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from ..text import inert
from .classbook import ClassReport, PartStats, RowStatus, StudentRow, number

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1d1d1f;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{padding:.25rem .5rem;border-bottom:1px solid #eee;
text-align:left;vertical-align:top}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
dl.summary{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dl.summary dt{color:#555}
dl.summary dd{margin:0;font-weight:600}.muted{color:#666}.status-error,.status-timed-out{color:#a15c00}
.status-could-not-grade,.status-missing,.status-refused,.status-not-graded-yet{color:#b00020}svg text{font-size:11px}
ul.mistakes{margin:.2rem 0 .6rem 1rem;padding:0}.adjusted{color:#005bb5}
"""
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def render_html(report: ClassReport) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(report.title)}: class report</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(report.title)}</h1>",
        f'<p class="muted">rubric <code>{_e(report.rubric)}</code></p>',
        _summary(report),
        _histogram(report),
        _parts(report),
        _problems(report),
        _students(report),
        _notes(report),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _e(text: object) -> str:
    return escape(inert(str(text)), quote=True)


def _summary(report: ClassReport) -> str:
    rows = [("submissions", str(len(report.rows)), "count"),
            ("with a grade", str(sum(1 for r in report.rows if r.status.has_score)), "graded")]
    rows += [(s.value, str(report.count(s)), s.name.lower().replace("_", "-")) for s in RowStatus
             if s is not RowStatus.GRADED and report.count(s)]
    rows += [("mean", number(report.mean), "mean"), ("median", number(report.median), "median"),
             ("maximum", number(report.max_score), "max")]
    body = "".join(f'<dt>{_e(k)}</dt><dd id="{i}">{_e(v)}</dd>' for k, v, i in rows)
    return f'<h2>Summary</h2><dl class="summary">{body}</dl>'


def _histogram(report: ClassReport) -> str:
    bins = report.histogram()
    top = max((c for _, _, c in bins), default=0) or 1
    width, height, bar = 560, 180, 52
    items = []
    for i, (low, high, count) in enumerate(bins):
        h = round((height - 40) * count / top)
        x = 10 + i * (bar + 4)
        label = f"{low:g}–{high:g}%"
        items.append(f'<g class="bin" data-low="{low:g}" data-count="{count}"><title>{label}: {count}</title>'
                     f'<rect x="{x}" y="{height - 20 - h}" width="{bar}" height="{h}" fill="#4a7bd0"/>'
                     f'<text x="{x + bar / 2}" y="{height - 24 - h}" text-anchor="middle">{count}</text>'
                     f'<text x="{x + bar / 2}" y="{height - 6}" text-anchor="middle">{low:g}</text></g>')
    return (f'<h2>Score distribution</h2><svg id="histogram" role="img" aria-label="histogram of scores in percent" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">{"".join(items)}</svg>'
            '<p class="muted">Share of the maximum score, in bins of 10 %; 100 % is counted in the last bin.</p>')


def _parts(report: ClassReport) -> str:
    rows = "".join(_part_row(s) for s in report.part_stats)
    return ('<h2>Parts</h2><table id="parts"><thead><tr><th>part</th><th>question</th><th class="num">points</th>'
            '<th class="num">mean</th><th class="num">full marks</th><th>most common mistakes</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def _part_row(stats: PartStats) -> str:
    share = "" if stats.full_marks_share is None else f"{100 * stats.full_marks_share:.0f}%"
    mistakes = "".join(
        f'<li><code>{_e(m.diagnosis)}</code> × <span class="count">{m.count}</span>: {_e(m.message)} '
        f'<span class="muted">(e.g. {_link(m.example, m.example_feedback)})</span></li>' for m in stats.mistakes)
    return (f'<tr data-part="{_e(stats.part.name)}"><td>{_e(stats.part.name)}</td><td>{_e(stats.part.title)}</td>'
            f'<td class="num">{number(stats.part.points)}</td><td class="num mean">{number(stats.mean)}</td>'
            f'<td class="num share">{share}</td><td>'
            + (f'<ul class="mistakes">{mistakes}</ul>' if mistakes else "") + "</td></tr>")


def _problems(report: ClassReport) -> str:
    rows = [r for r in report.rows if r.status not in (RowStatus.GRADED,)]
    if not rows:
        return '<h2>Problems</h2><p id="problems">Every submission was graded without errors or timeouts.</p>'
    items = "".join(f'<tr><td>{_link(r.key, r.feedback)}</td><td class="{_status_class(r)}">{_e(r.status.value)}'
                    f'</td><td>{_e(r.detail.splitlines()[0] if r.detail else "")}</td></tr>' for r in rows)
    return ('<h2>Problems</h2><table id="problems"><thead><tr><th>student</th><th>status</th><th>detail</th></tr>'
            f"</thead><tbody>{items}</tbody></table>")


def _students(report: ClassReport) -> str:
    head = "".join(f'<th class="num" title="{_e(p.title)}">{_e(p.name)}</th>' for p in report.parts)
    rows = "".join(_student_row(r) for r in report.rows)
    return ('<h2>Students</h2><table id="students"><thead><tr><th>student</th><th>names</th><th>status</th>'
            f'<th class="num">total</th>{head}</tr></thead><tbody>{rows}</tbody></table>')


def _student_row(row: StudentRow) -> str:
    names = ", ".join(p.name or p.email or p.sid for p in row.people)
    cells = "".join(f'<td class="num part">{number(s)}</td>' for s in row.part_scores)
    adjusted = "".join(f'<div class="adjusted">adjusted {_e(a.part or "total")} to {number(a.score)}: '
                       f'{_e(a.reason)}{" (made for an earlier submission)" if a.stale else ""}</div>'
                       for a in row.adjustments)
    return (f'<tr data-student="{_e(row.key)}"><td class="student">{_link(row.key, row.feedback)}{adjusted}</td>'
            f'<td>{_e(names)}</td><td class="status {_status_class(row)}">{_e(row.status.value)}</td>'
            f'<td class="num total">{number(row.score)}</td>{cells}</tr>')


def _notes(report: ClassReport) -> str:
    if not report.notes:
        return ""
    return "<h2>Notes</h2><ul id=\"notes\">" + "".join(f"<li>{_e(n)}</li>" for n in report.notes) + "</ul>"


def _link(text: str, feedback: str) -> str:
    if not feedback:
        return _e(text)
    return f'<a href="feedback/{quote(feedback)}.txt">{_e(text)}</a>'


def _status_class(row: StudentRow) -> str:
    return "status-" + row.status.value.replace(" ", "-")
