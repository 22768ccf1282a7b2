"""The ``grade`` command: ``grade SUBMISSION --rubric RUBRIC`` and its sub-commands.

Exit status (see ``exit_codes``): 0 full marks (or at least ``--fail-under``), 1 points
lost, 2 usage or rubric error, 3 could not grade (a fault of ours). No traceback ever
reaches the user (set ``GRADER_DEBUG=1`` to see one). Only the chosen sub-command is
imported: ``grade stub`` never loads the sandbox, and JSON output never loads rich.
"""

from __future__ import annotations

import atexit
import importlib
import os
import sys
import traceback
from typing import NoReturn, Sequence

from . import __version__
from .exit_codes import ExitCode

SUBCOMMANDS = ("check", "doctor", "stub")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--version"], ["-V"]):
        print(f"grade {__version__}")
        return ExitCode.OK
    name = "grade"
    if args and args[0] in (*SUBCOMMANDS, "grade"):
        name, args = args[0], args[1:]
    try:
        command = importlib.import_module(f"{__package__}.commands.{name}")
        return int(command.main(args))
    except SystemExit as exc:  # argparse: --help (0) or a usage error it has already printed (2)
        return exc.code if isinstance(exc.code, int) else (ExitCode.USAGE_ERROR if exc.code else ExitCode.OK)
    except KeyboardInterrupt:
        print("grade: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except Exception as exc:  # the last line of defence: one line, never a traceback
        if os.environ.get("GRADER_DEBUG"):
            traceback.print_exc()
        print(f"grade: internal error: {type(exc).__name__}: {exc} (set GRADER_DEBUG=1 for details)",
              file=sys.stderr)
        return ExitCode.COULD_NOT_GRADE


def run() -> NoReturn:
    """The console entry point: :func:`main`, then a fast exit.

    Output is flushed and every exit handler runs (sandboxes end, temporary folders are
    removed); only the interpreter's own teardown, which costs more than grading a
    small submission, is skipped.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # closed or broken by the reader
            pass
    atexit._run_exitfuncs()
    os._exit(code)
