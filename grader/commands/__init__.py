"""One module per sub-command of ``grade``."""

from __future__ import annotations

import argparse
import re
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


def plain_help(text: str) -> str:
    """Help text without source markup: ````grade check```` becomes grade check, ```visible``` becomes 'visible'."""
    return re.sub(r"`([^`\n]+)`", r"'\1'", re.sub(r"``([^`\n]+)``", r"\1", text))


class PlainHelp(argparse.HelpFormatter):
    """argparse's help with docstring markup removed (see :func:`plain_help`): every sub-command uses it."""

    def _format_text(self, text: str) -> str:
        return super()._format_text(plain_help(text))

    def _expand_help(self, action: argparse.Action) -> str:
        return plain_help(super()._expand_help(action))


class PlainRawHelp(PlainHelp, argparse.RawDescriptionHelpFormatter):
    """:class:`PlainHelp` that keeps the description's and epilog's line breaks."""
