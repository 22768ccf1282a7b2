"""Reading a student's submission without trusting it.

A submission is opened without following symbolic links and must be a regular file
of bounded size: a link to the reference (or to ``/etc/shadow``) is refused, never
read with the grader's privileges. Nothing inside the rubric's or the reference's
folders is accepted as a student's submission.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Sequence

from .sandbox.slots import SubmissionFiles

MAX_FILE_BYTES = 1 << 20


class SubmissionError(Exception):
    """A submission that cannot be graded as given (missing, not a regular file, a link, too large)."""


def read_submission(path: Path, forbidden: Sequence[Path] = ()) -> SubmissionFiles:
    """The submission at ``path`` as the files the sandbox imports; :class:`SubmissionError` if refused."""
    real = Path(os.path.realpath(path))
    for folder in forbidden:
        if _inside(real, folder):
            raise SubmissionError(f"{path} is inside the rubric's folder {folder}: not a student's submission")
    return SubmissionFiles.single(_read_regular_file(path))


def _read_regular_file(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise SubmissionError(f"submission not found: {path}") from None
    except OSError as exc:
        if os.path.islink(path):
            raise SubmissionError(f"{path} is a symbolic link: submit the file itself") from None
        raise SubmissionError(f"cannot open {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SubmissionError(f"{path} is a folder, not a Python file")
        if not stat.S_ISREG(info.st_mode):
            raise SubmissionError(f"{path} is not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise SubmissionError(f"{path} is larger than {MAX_FILE_BYTES >> 10} KiB")
        data = os.read(fd, MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SubmissionError(f"cannot read {path}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise SubmissionError(f"{path} is larger than {MAX_FILE_BYTES >> 10} KiB")
    return data


def _inside(path: Path, folder: Path) -> bool:
    try:
        return os.path.commonpath([str(path), str(folder)]) == str(folder)
    except ValueError:
        return False
