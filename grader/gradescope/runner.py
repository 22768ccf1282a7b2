"""Grade Gradescope's ``/autograder/submission`` and always leave a valid ``results.json``.

Run by the bundle's ``run_autograder`` (as root, once per submission, in a fresh container):

1. **Root only.** The source folder (the rubric and the reference implementation) becomes
   readable by root only (folders 0700, files 0600 at most), and so does
   ``submission_metadata.json`` (it holds the results of the student's earlier submissions).
   Where Gradescope's container offers no user or mount namespace and no Landlock, the
   sandboxed worker still runs as uid 65534 (see the README's degraded mode), and these
   permissions are then what keeps the answers out of its reach.
2. **What to grade.** The one Python file uploaded, whatever its name; else the upload as a
   folder (the entry-module rule: ``submission.py``, else the only file that defines the
   rubric's functions). An upload that is a single folder is looked into.
3. **Always a result.** A student's failure is a graded result. A broken rubric, an upload
   that cannot be taken as given (a link, too large, no entry module) or a fault of ours
   writes a "could not grade" document (:func:`.documents.not_graded_document`): the one
   place where a fault of ours gives a score (0, for staff to regrade), because Gradescope
   needs a file, and it says so visibly. Exit status 0 once ``results.json`` is written.

Course staff read the grader's own lines in Gradescope's autograder output (stdout, hidden
from students).
"""

from __future__ import annotations

import os
import signal
import stat
import time
from pathlib import Path
from typing import Any

from .. import __version__
from .documents import FAULT, REFUSED, RUBRIC_ERROR, graded_document, not_graded_document, write_document
from .layout import Tree, read_manifest, tree

_SKIPPED = {"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git"}
_MAX_NESTING = 4


class _Stopped(BaseException):
    """A stop signal (Gradescope's time limit): still write a result."""


class _NoGrade(Exception):
    """The grader gave no grade (CouldNotGrade): a fault of ours."""


def main() -> int:
    """Grade, write ``results.json``; 0 when it is written (run_autograder writes a fallback otherwise)."""
    os.environ["GRADER_NO_CACHE"] = "1"  # no validated rubric copied into a cache folder
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, _stop)
    where = tree()
    started = time.monotonic()
    document = _grade_safely(where, started)
    try:
        write_document(document, where.results_file)
    except OSError as exc:
        _say(f"could not write {where.results_file}: {exc}")
        return 1
    extra = document.get("extra_data", {})
    _say(f"wrote {where.results_file}: score {document['score']} ({extra.get('status')})")
    return 0


def _stop(signum: int, _frame: object) -> None:
    raise _Stopped(signal.Signals(signum).name)


def _grade_safely(where: Tree, started: float) -> dict[str, Any]:
    """The results document, whatever happens: a grade, or why there is none."""
    from ..rubric.errors import RubricError
    from ..submissions import SubmissionError

    try:
        return _grade(where)
    except RubricError as exc:
        return _not_graded(RUBRIC_ERROR, f"the rubric cannot be used: {exc}", started)
    except SubmissionError as exc:
        why = str(exc).replace(f"{where.submission}/", "").replace(str(where.submission), "your upload")
        return _not_graded(REFUSED, f"the upload was refused: {exc}", started,
                           f"Your upload could not be taken as given: {why}. You may fix it and submit again.")
    except _NoGrade as exc:
        return _not_graded(FAULT, str(exc), started)
    except _Stopped as stop:
        return _not_graded(FAULT, f"stopped by {stop} before grading finished", started)
    except Exception as exc:  # a fault of ours: never the student's
        return _not_graded(FAULT, f"{type(exc).__name__}: {exc}", started)


def _not_graded(kind: str, reason: str, started: float, student_note: str = "") -> dict[str, Any]:
    _say(f"could not grade ({kind}): {reason}")
    return not_graded_document(kind, reason, student_note, time.monotonic() - started)


def _grade(where: Tree) -> dict[str, Any]:
    from ..api import Grader
    from ..results import CouldNotGrade

    lock_down(where)
    manifest = read_manifest(where.source)
    target = what_to_grade(where.submission)
    hide = [p for p in (where.source, where.results, where.metadata) if os.path.lexists(p)]
    _say(f"backprop-grader {__version__}: grading {target} with {manifest.rubric}")
    with Grader(where.source / manifest.rubric, hide=hide) as grader:
        outcome = grader.grade(target)
    if isinstance(outcome, CouldNotGrade):
        raise _NoGrade(outcome.reason)
    for warning in outcome.warnings:
        _say(warning)
    _say(f"graded: {outcome.score:g} / {outcome.max_score:g}")
    return graded_document(outcome)


def lock_down(where: Tree) -> None:
    """Make the source folder (rubric, reference) and the submission metadata readable by root only."""
    _owner_only(where.source)
    for folder, folders, files in os.walk(where.source):
        for name in folders + files:
            _owner_only(Path(folder) / name)
    if where.metadata.is_file() and not where.metadata.is_symlink():
        _owner_only(where.metadata)


def _owner_only(path: Path) -> None:
    """Drop the group's and others' permissions (a link is left alone: chmod would follow it)."""
    info = os.lstat(path)
    if not stat.S_ISLNK(info.st_mode):
        os.chmod(path, stat.S_IMODE(info.st_mode) & 0o700)


def what_to_grade(folder: Path, depth: int = 0) -> Path:
    """The one Python file uploaded (any name), or the folder (its entry module is found when it is read)."""
    try:
        entries = [e for e in os.scandir(folder) if not (e.name.startswith(".") or e.name in _SKIPPED)]
    except OSError:
        return folder  # reading it reports the problem
    python = [e for e in entries if e.name.endswith(".py")]
    folders = [e for e in entries if e.is_dir(follow_symlinks=False)]
    if len(python) == 1 and not folders:
        return Path(python[0].path)
    if not python and len(folders) == 1 and depth < _MAX_NESTING:  # the student uploaded a folder
        return what_to_grade(Path(folders[0].path), depth + 1)
    return folder


def _say(line: str) -> None:
    try:
        print(f"grader: {line}", flush=True)
    except (OSError, ValueError):
        pass
