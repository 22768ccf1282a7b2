"""Reading a student's submission without trusting it.

A submission is one Python file, or a folder of them (a student who splits helpers into
``utils.py``). Files are opened without following symbolic links and must be regular
files of bounded size; a folder is walked without following links, within caps on
depth, file count and total size. Only importable Python sources are taken: compiled
files (``.pyc``, ``__pycache__``, extension modules) are ignored — a sourceless ``.pyc``
is importable and is not what a teaching assistant reads — and so are notes, notebooks'
checkpoints and macOS ``._*`` files. A symbolic link where a source would be (a link to
the reference, or to ``/etc/shadow``) refuses the whole submission with a clear
message; it is never read with the grader's privileges. Nothing inside the rubric's or
the reference's folders is accepted as a student's submission.

The *entry module* of a folder is the one the grader imports: ``--file`` when given, else
``submission.py``, else the only file that defines one of the rubric's functions.
"""

from __future__ import annotations

import ast
import os
import stat
from pathlib import Path
from typing import Iterable, Sequence

from .sandbox.slots import SUBMISSION_NAME, SubmissionFiles

MAX_FILE_BYTES = 1 << 20
MAX_FILES = 100
MAX_TOTAL_BYTES = 4 << 20
MAX_DEPTH = 6
_SKIPPED_FOLDERS = {"__pycache__", ".ipynb_checkpoints", ".git", ".github", "node_modules"}


class SubmissionError(Exception):
    """A submission that cannot be graded as given (missing, a link, not a regular file, too large, no entry)."""


def read_submission(path: Path, forbidden: Sequence[Path] = (), entry: str | None = None,
                    defines: Iterable[str] = ()) -> SubmissionFiles:
    """The submission at ``path`` (a file or a folder) as the files the sandbox imports.

    ``defines`` are the rubric's functions and constants, to find a folder's entry module.
    Raises :class:`SubmissionError` for anything that is refused."""
    if os.path.islink(path):
        raise SubmissionError(f"{path} is a symbolic link: submit the file itself")
    real = Path(os.path.realpath(path))
    for folder in forbidden:
        if _inside(real, folder):
            raise SubmissionError(f"{path} is inside the rubric's folder {folder}: not a student's submission")
    if not os.path.lexists(path):
        raise SubmissionError(f"submission not found: {path}")
    if os.path.isdir(path) and not os.path.islink(path):
        files = _read_folder(path)
        return SubmissionFiles(files, _entry(path, files, entry, set(defines)))
    return SubmissionFiles.single(_read_file(path))


def _read_file(path: Path) -> bytes:
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
        data = _read_all(fd, MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SubmissionError(f"cannot read {path}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise SubmissionError(f"{path} is larger than {MAX_FILE_BYTES >> 10} KiB")
    return data


def _read_all(fd: int, limit: int) -> bytes:
    chunks, size = [], 0
    while size < limit:
        chunk = os.read(fd, limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _read_folder(root: Path) -> tuple[tuple[str, bytes], ...]:
    """Every importable source under ``root`` (relative name, bytes), walking without following links."""
    files: list[tuple[str, bytes]] = []
    total = 0
    pending = [(Path(root), ())]
    while pending:
        folder, parts = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            raise SubmissionError(f"cannot read the folder {folder}: {exc.strerror}") from None
        for item in entries:
            name = item.name
            if name.startswith((".", "._")) or name in _SKIPPED_FOLDERS:
                continue
            relative = "/".join(parts + (name,))
            if item.is_symlink() and (name.isidentifier() or name.endswith(".py")):
                raise SubmissionError(f"{relative} in {root} is a symbolic link: submit the file itself")
            if item.is_dir(follow_symlinks=False):
                if name.isidentifier():
                    if len(parts) + 1 > MAX_DEPTH:
                        raise SubmissionError(f"{root} is nested more than {MAX_DEPTH} folders deep")
                    pending.append((Path(item.path), parts + (name,)))
                continue
            if not (name.endswith(".py") and name[:-3].isidentifier()):
                continue  # notes, data, compiled files: not graded
            data = _read_file(Path(item.path))
            files.append((relative, data))
            total += len(data)
            if len(files) > MAX_FILES or total > MAX_TOTAL_BYTES:
                raise SubmissionError(f"{root} holds more than {MAX_FILES} Python files or "
                                      f"{MAX_TOTAL_BYTES >> 20} MiB of them")
    return tuple(sorted(files))


def _entry(root: Path, files: tuple[tuple[str, bytes], ...], entry: str | None, defines: set[str]) -> str:
    names = [name for name, _ in files]
    if entry is not None:
        if entry not in names:
            raise SubmissionError(f"{root} has no {entry} (it has {', '.join(names) or 'no Python file'})")
        return entry
    if SUBMISSION_NAME in names:
        return SUBMISSION_NAME
    top = [(name, data) for name, data in files if "/" not in name]
    if not top:
        raise SubmissionError(_nothing_here(root, names))
    candidates = [name for name, data in top if defines & _top_level_names(data)] if defines else []
    if len(candidates) == 1:
        return candidates[0]
    if not candidates and len(top) == 1:
        return top[0][0]
    if len(candidates) > 1:
        raise SubmissionError(f"several files in {root} define the assignment's functions "
                              f"({', '.join(candidates)}): name the one to grade with --file, or, for a folder "
                              "of several students' work, use `grade batch`")
    raise SubmissionError(f"none of the files in {root} defines the assignment's functions "
                          f"({', '.join(sorted(defines)) or 'none declared'}): name the one to grade with --file")


def _nothing_here(root: Path, names: list[str]) -> str:
    if names:  # only in subfolders: one folder per student?
        return (f"{root} has no Python file at its top level (only in its subfolders): for a folder of "
                "several students' work, use `grade batch`")
    return f"{root} holds no Python file"


def _top_level_names(source: bytes) -> set[str]:
    """Names a module defines at its top level (functions, classes, assignments), without running it."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _inside(path: Path, folder: Path) -> bool:
    try:
        return os.path.commonpath([str(path), str(folder)]) == str(folder)
    except ValueError:
        return False
