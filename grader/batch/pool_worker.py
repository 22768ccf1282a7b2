"""A batch grading process: one ``Grader`` for the whole batch, requests on stdin, results on stdout.

Started by :mod:`grader.batch.pool`, one per job slot. It starts its own zygote (through
``Grader``, before the rubric is read), checks that the rubric it loaded is the one the
client hashed, then answers one JSON line per request with the full versioned result.
Student code runs only in its sandboxed workers, never here. It ends when its input
closes, on a stop signal, or when the client dies (``PR_SET_PDEATHSIG``), ending its
zygote, workers and reference process on the way out.
"""

from __future__ import annotations

import ctypes
import dataclasses
import json
import os
import signal
import sys
import time
from collections.abc import Mapping
from typing import Any, TextIO

from ..api import Grader
from ..report.terminal import render_plain
from ..results import CouldNotGrade, GradeResult
from ..rubric.errors import RubricError
from ..submissions import SubmissionError
from .bundle import RubricBundle
from .jobs import files_from_request

_PR_SET_PDEATHSIG = 1


class _Stop(BaseException):
    """A stop signal: unwind, closing the Grader (and so its zygote and reference)."""


def main(argv: list[str]) -> int:
    rubric_path, digest, parent, hide = argv[0], argv[1], int(argv[2]), json.loads(argv[3])
    _die_with(parent)
    replies = _protocol_stream()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _stop)
    try:
        with Grader(rubric_path, hide=hide) as grader:
            found = RubricBundle.read(grader.rubric).digest
            if found != digest:
                _send(replies, {"fatal": "the rubric or its reference changed while the batch started", "kind": "rubric"})
                return 2
            _send(replies, {"ready": True})
            for line in sys.stdin:
                _send(replies, grade_request(grader, json.loads(line)))
    except RubricError as exc:
        _send(replies, {"fatal": str(exc), "kind": "rubric"})
        return 2
    except _Stop:
        return 0
    except OSError as exc:
        _send(replies, {"fatal": f"cannot start the sandbox: {exc}", "kind": "internal"})
        return 3
    return 0


def grade_request(grader: Grader, request: Mapping[str, Any]) -> dict[str, Any]:
    """Grade one request (see :meth:`grader.batch.jobs.Job.request`) and the reply to send back.

    A rubric error is the course's fault (the batch stops); anything else unexpected is a
    fault of ours for this submission only."""
    started = time.monotonic()
    job_id = request.get("id")
    try:
        files, name = files_from_request(request)
        outcome = grader.grade_files(files, name)
    except RubricError as exc:
        return {"id": job_id, "rubric_error": str(exc)}
    except (SubmissionError, ValueError, OSError, RuntimeError) as exc:
        outcome = CouldNotGrade(str(request.get("name", "?")), str(grader.rubric.path),
                                f"could not grade: {type(exc).__name__}: {exc}", "internal")
    if isinstance(request.get("rubric_label"), str):  # the rubric as the client named it, not a worker's copy
        outcome = dataclasses.replace(outcome, rubric=request["rubric_label"])
    feedback = render_plain(outcome) if isinstance(outcome, GradeResult) else ""
    return {"id": job_id, "outcome": outcome.to_dict(), "seconds": time.monotonic() - started, "feedback": feedback}


def _die_with(parent: int) -> None:
    """Get SIGTERM when the client dies (even by SIGKILL); exit now if it already has."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux: the closed stdin ends the loop
        pass
    if os.getppid() != parent:
        os._exit(0)


def _protocol_stream() -> TextIO:
    """The original stdout, for replies only; fd 1 then points at stderr, so no stray print garbles them."""
    stream = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return stream


def _send(stream: TextIO, message: Mapping[str, Any]) -> None:
    stream.write(json.dumps(message, ensure_ascii=True, allow_nan=False) + "\n")
    stream.flush()


def _stop(_signum: int, _frame: object) -> None:
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    raise _Stop()


if __name__ == "__main__":  # pragma: no cover - started by grader.batch.pool
    raise SystemExit(main(sys.argv[1:]))
