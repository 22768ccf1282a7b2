"""The public API: grade submissions against a rubric, with the security policy built in.

    import grader

    with grader.Grader("rubrics/ps5.yaml") as g:
        outcome = g.grade("submission.py")
    if isinstance(outcome, grader.CouldNotGrade):
        print("not graded:", outcome.reason)
    else:
        print(outcome.score, "/", outcome.max_score)

A :class:`Grader` starts (or joins) the process's sandbox launcher *before* it reads the
rubric, so no process that runs student code ever held reference data; it hides the
rubric's and the reference's folders from every submission; and it grades any number
of submissions with one set-up. It may be used from any thread (one ``grade`` at a
time per ``Grader``); cleanup is by context manager, with ``atexit`` as the safety net.
Signal handling is left to the application.
"""

from __future__ import annotations

import os
import threading
import weakref
from pathlib import Path
from typing import Sequence

from .cases import CaseCache
from .grading import grade
from .reference import Reference
from .results import CouldNotGrade, Outcome
from .rubric.loader import load_rubric
from .rubric.model import Rubric
from .sandbox.isolation import DISABLEABLE
from .sandbox.launcher import acquire_launcher, release_launcher
from .sandbox.limits import Limits
from .sandbox.runner import SandboxFault, SubmissionRunner, worker_spec
from .sandbox.slots import SubmissionFiles
from .submissions import read_submission

DISABLED_LAYERS_VARIABLE = "GRADER_TEST_DISABLE_LAYERS"


class Grader:
    """Grades submissions against one rubric; see the module docstring."""

    def __init__(self, rubric: str | os.PathLike[str], *, hide: Sequence[str | os.PathLike[str]] = ()) -> None:
        """``hide``: more files or folders to hide from every submission (a batch hides the class's
        submissions and its output folder), besides the rubric's and the reference's folders."""
        self._launcher = acquire_launcher()  # before the rubric is read: see the module docstring
        self._lock = threading.Lock()
        self._closed = False
        self._reference: Reference | None = None
        try:
            self.rubric: Rubric = load_rubric(rubric)
            self.hidden_paths = hidden_paths(self.rubric)
            self._sandbox_hidden = [str(p) for p in (*self.hidden_paths, *(Path(h).resolve() for h in hide))]
            self.limits = Limits(call_timeout=self.rubric.defaults.call_timeout,
                                 total_timeout=self.rubric.defaults.total_timeout)
            self._disabled_layers = disabled_layers()
            self._launcher.prepare(self._spec())
            # A public rubric has no reference: checks that need it are graded after submission.
            self._reference = Reference(self.rubric) if self.rubric.reference is not None else None
            self._cases = CaseCache(self.rubric)  # every student gets the same cases: draw them once
        except BaseException:
            self._release()
            raise
        self._finalizer = weakref.finalize(self, _release_resources, self._launcher, self._reference)

    def __enter__(self) -> "Grader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End the reference process and give the shared launcher back (idempotent)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._finalizer()

    def grade(self, submission: str | os.PathLike[str], *, entry: str | None = None,
              course_file: bool = False) -> Outcome:
        """Grade one submission: a Python file, or a folder of them (``entry`` names the module to grade;
        by default ``submission.py``, else the only file that defines the rubric's functions).

        The student's failures are graded (a :class:`GradeResult` with the reasons); a fault
        of ours gives :class:`CouldNotGrade`. A submission that cannot be taken as given (a
        link, not a regular file, inside the rubric's folders) raises ``SubmissionError``.
        ``course_file=True`` lets ``grade check`` grade the reference and the course's samples.
        """
        path = Path(submission)
        files = read_submission(path, () if course_file else self.hidden_paths, entry,
                                [*self.rubric.functions, *self.rubric.constants])
        return self.grade_files(files, str(path))

    def grade_files(self, files: SubmissionFiles, name: str) -> Outcome:
        """Grade a submission already read (by :func:`grader.submissions.read_submission`, or sent by a batch
        client as bytes); ``name`` labels it in the report. Same outcomes as :meth:`grade`."""
        with self._lock:
            if self._closed:
                raise RuntimeError("this Grader is closed")
            runner = SubmissionRunner(files, self._launcher, self.limits,
                                      hidden_paths=self._sandbox_hidden,
                                      disabled_layers=self._disabled_layers)
            try:
                return grade(self.rubric, self._reference, runner, name, self._cases)
            except SandboxFault as fault:
                return CouldNotGrade(name, str(self.rubric.path), f"could not grade: {fault}", "sandbox")
            finally:
                runner.close()

    def _spec(self):
        return worker_spec(self.limits, hidden_paths=self._sandbox_hidden,
                           disabled_layers=self._disabled_layers)

    def _release(self) -> None:
        _release_resources(self._launcher, self._reference)


def _release_resources(launcher, reference: Reference | None) -> None:
    if reference is not None:
        reference.close()
    release_launcher(launcher)


def hidden_paths(rubric: Rubric) -> tuple[Path, ...]:
    """Folders the student's process must not see: the rubric's and the reference's."""
    folders = {rubric.path.resolve().parent}
    if rubric.reference is not None:
        folders.add(rubric.reference.resolve().parent)
    return tuple(sorted(folders))


def disabled_layers() -> tuple[str, ...]:
    """Test-only: sandbox layers to leave off, from ``GRADER_TEST_DISABLE_LAYERS`` (comma-separated)."""
    raw = os.environ.get(DISABLED_LAYERS_VARIABLE, "")
    names = tuple(name.strip() for name in raw.split(",") if name.strip())
    unknown = [n for n in names if n not in DISABLEABLE]
    if unknown:
        raise ValueError(f"{DISABLED_LAYERS_VARIABLE}: unknown layer '{unknown[0]}' "
                         f"(known: {', '.join(sorted(DISABLEABLE))})")
    return names


__all__: Sequence[str] = ("Grader", "hidden_paths")
