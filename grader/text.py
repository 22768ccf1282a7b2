"""Text that is safe to print: control characters neutralised.

Strings from a student's process, a submission's file name or a rubric end up in
reports, often on a terminal, where escape sequences could move the cursor and
overwrite the real score. Standard library only: every layer may use it.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0/C1 controls but newline and tab


def inert(text: str) -> str:
    """``text`` with control characters (terminal escapes, carriage returns, ...) replaced by U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


def inert_line(text: str) -> str:
    """:func:`inert`, and newlines and tabs too: for text that must stay on one line (a file name, a title)."""
    return inert(text).replace("\n", "\ufffd").replace("\t", " ")
