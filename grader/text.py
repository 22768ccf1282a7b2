"""Text that is safe to print: control characters neutralised.

Strings from a student's process, a submission's file name or a rubric end up in
reports, often on a terminal, where escape sequences could move the cursor and
overwrite the real score, and, in a CI log, a line starting with ``::`` is a workflow
command (GitHub Actions reads stdout and stderr, leading spaces trimmed): student
output must never issue one. Standard library only: every layer may use it.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0/C1 controls but newline and tab
_COMMAND = re.compile(r":(?=:)|#(?=#\[)")  # `::command::` (GitHub Actions) and the older `##[command]`
_BREAK = "\u200b"  # zero-width space: not whitespace to the runner, invisible to a reader


def inert(text: str) -> str:
    """``text`` with control characters (terminal escapes, carriage returns, ...) replaced by U+FFFD, and
    no workflow command (see :func:`no_commands`)."""
    return no_commands(_CONTROL.sub("\ufffd", text))


def no_commands(text: str) -> str:
    """``text`` with every ``::`` and ``##[`` broken by a zero-width space, so that no line of it, however it
    is wrapped or indented, starts a CI workflow command; it reads the same."""
    return _COMMAND.sub(lambda m: m.group() + _BREAK, text)


def inert_line(text: str) -> str:
    """:func:`inert`, and newlines and tabs too: for text that must stay on one line (a file name, a title)."""
    return inert(text).replace("\n", "\ufffd").replace("\t", " ")
