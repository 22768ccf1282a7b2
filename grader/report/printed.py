"""What a student sees of their own program's output and of the cases' inputs: one rule for every format.

The rule (text, Gradescope JSON, JUnit, Markdown and GitHub all render the same :class:`View
<grader.report.audience.View>`, which applies it):

* **Their own printed output** (what the submission wrote to standard output while it was graded)
  is shown in a section of its own, after the grade, labelled as theirs and never mixed into a
  part's explanation; at most :data:`SHOWN_LINES` lines and :data:`SHOWN_CHARS` characters, the
  rest counted ("… 12 more lines"). It is shown only when the reader sees every part that was
  graded: while a part is withheld (``hidden``, ``after_due_date``, ``after_published``), its calls
  printed too, and their output would reveal that part's cases, so the output is withheld as a
  whole and only its length is given. Course staff always see it. Standard error is kept in the
  result (``grade batch`` stores it) but is not shown to students: the tracebacks that matter are
  already in each part's explanation.
* **The cases' inputs**: a part that lost points shows the inputs of the first case it failed,
  each argument shortened to one line (see ``grader.checks.values``), so the student can rerun it;
  not when the call failed the same way on every case (e.g. ``raise NotImplementedError``: the
  inputs explain nothing), and never for a withheld part, whose explanation is not shown at all.
* Everything from the student's process has its control characters neutralised before it gets here.
"""

from __future__ import annotations

SHOWN_LINES = 40
SHOWN_CHARS = 2000


def shown_output(text: str, truncated: bool = False) -> str:
    """``text`` capped to the lines and characters a report shows, with what was left out counted
    (``truncated``: the sandbox itself kept only the beginning of a longer output)."""
    text = text.rstrip()
    if not text:
        return ""
    return _capped(text, truncated)


def _capped(text: str, truncated: bool) -> str:
    lines = text.splitlines()
    kept = lines[:SHOWN_LINES]
    while kept and sum(len(line) + 1 for line in kept) > SHOWN_CHARS:
        if len(kept) == 1:
            kept = [kept[0][: SHOWN_CHARS - 1] + "…"]
            break
        kept.pop()
    left = len(lines) - len(kept)
    if truncated:
        return "\n".join(kept) + "\n… (output truncated: it printed far more; only its beginning is shown)"
    return "\n".join(kept) + (f"\n… {left} more line{'s' if left != 1 else ''}" if left else "")


def withheld_output_note(lines: int) -> str:
    """The one line shown instead of output printed while withheld parts were graded."""
    noun = "line" if lines == 1 else "lines"
    return (f"Your program printed {lines} {noun}; they are shown once every part is released (they may come "
            "from parts not shown yet).")
