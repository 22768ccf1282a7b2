"""The ``grade`` command: ``grade SUBMISSION --rubric RUBRIC`` and its sub-commands.

Exit status: 0 full marks (or at least ``--fail-under``), 1 points lost,
2 usage or rubric error, 3 internal error. No traceback ever reaches the user
(set ``GRADER_DEBUG=1`` to see one).
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Callable, Sequence

from . import __version__

EXIT_OK, EXIT_POINTS_LOST, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _commands() -> dict[str, Callable[[list[str]], int]]:
    from .commands import check, doctor, grade, stub

    return {"grade": grade.main, "check": check.main, "doctor": doctor.main, "stub": stub.main}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--version"], ["-V"]):
        print(f"grade {__version__}")
        return EXIT_OK
    commands = _commands()
    name = args[0] if args and args[0] in commands and args[0] != "grade" else "grade"
    if args and args[0] == "grade":
        args = args[1:]
    elif name != "grade":
        args = args[1:]
    try:
        return commands[name](args)
    except SystemExit as exc:  # argparse: --help (0) or a usage error it has already printed (2)
        return exc.code if isinstance(exc.code, int) else (EXIT_USAGE if exc.code else EXIT_OK)
    except KeyboardInterrupt:
        print("grade: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one line, never a traceback
        if os.environ.get("GRADER_DEBUG"):
            traceback.print_exc()
        print(f"grade: internal error: {type(exc).__name__}: {exc} (set GRADER_DEBUG=1 for details)",
              file=sys.stderr)
        return EXIT_INTERNAL
