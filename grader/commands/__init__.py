"""One module per sub-command of ``grade``."""

from __future__ import annotations

import sys

from ..text import inert


def say(line: str, stream=None) -> None:
    """Print one line, to stderr by default; a closed or broken stream is not an error."""
    stream = sys.stderr if stream is None else stream
    try:
        print(inert(line), file=stream, flush=True)
    except (OSError, ValueError, AttributeError):
        pass


def say_error(command: str, error: object) -> None:
    """``<command>: error: <line>`` for each line of ``error`` (a rubric may have several errors)."""
    for line in str(error).splitlines() or [""]:
        say(f"{command}: error: {line}")
