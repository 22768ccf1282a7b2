"""The ``grade`` command: ``grade SUBMISSION --rubric RUBRIC`` and its sub-commands.

Exit status (see ``exit_codes``): 0 full marks (or at least ``--fail-under``), 1 points
lost, 2 usage or rubric error, 3 could not grade (a fault of ours), 128+N when stopped
by signal N (SIGINT, SIGTERM, SIGHUP: every sandbox is ended and every temporary folder
removed first). No traceback ever reaches the user (set ``GRADER_DEBUG=1`` to see one).
Only the chosen sub-command is imported: ``grade stub`` never loads the sandbox, and
JSON output never loads rich.
"""

from __future__ import annotations

import atexit
import importlib
import os
import signal
import sys
import traceback
from typing import NoReturn, Sequence

from . import __version__
from .commands import say
from .exit_codes import ExitCode
from .testpoint import reached

SUBCOMMANDS = ("batch", "check", "doctor", "gradescope", "override", "publish", "stub")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(BaseException):
    """A stop signal arrived: unwind (ending sandboxes, removing folders) and exit 128 + signum.

    A BaseException, so that no ``except Exception`` on the way swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--version"], ["-V"]):
        say(f"grade {__version__}", sys.stdout)
        return ExitCode.OK
    name = "grade"
    if args and args[0] in (*SUBCOMMANDS, "grade"):
        name, args = args[0], args[1:]
    try:
        reached("imports")
        command = importlib.import_module(f"{__package__}.commands.{name}")
        return int(command.main(args))
    except SystemExit as exc:  # argparse: --help (0) or a usage error it has already printed (2)
        return exc.code if isinstance(exc.code, int) else (ExitCode.USAGE_ERROR if exc.code else ExitCode.OK)
    except (Stopped, KeyboardInterrupt) as stop:
        signum = stop.signum if isinstance(stop, Stopped) else signal.SIGINT
        say(f"grade: stopped by {signal.Signals(signum).name}")
        return ExitCode.for_signal(signum)
    except Exception as exc:  # the last line of defence: one line, never a traceback
        if os.environ.get("GRADER_DEBUG"):
            traceback.print_exc()
        say(f"grade: internal error: {type(exc).__name__}: {exc} (set GRADER_DEBUG=1 for details)")
        return ExitCode.COULD_NOT_GRADE


def run() -> NoReturn:
    """The console entry point: :func:`main`, then a fast exit.

    Stop signals unwind the run like an exception. Output is flushed and every exit
    handler runs (sandboxes end, temporary folders are removed); only the interpreter's
    own teardown, which costs more than grading a small submission, is skipped.
    """
    _open_standard_descriptors()
    for signum in STOP_SIGNALS:
        signal.signal(signum, _stop)
    try:
        code = main()
    except Stopped as stop:  # arrived between main's own handlers
        code = ExitCode.for_signal(stop.signum)
    for signum in STOP_SIGNALS:  # cleanup below must not be interrupted
        signal.signal(signum, signal.SIG_IGN)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # closed or broken by the reader
            pass
    atexit._run_exitfuncs()
    os._exit(code)


def _stop(signum: int, _frame: object) -> None:
    for other in STOP_SIGNALS:  # one stop is enough; the unwinding must finish
        signal.signal(other, signal.SIG_IGN)
    raise Stopped(signum)


def _open_standard_descriptors() -> None:
    """Put /dev/null on a closed stdin, stdout or stderr, so no socket or pipe of ours lands on 0-2."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
