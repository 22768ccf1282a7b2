"""Find every student's submission in what an instructor hands ``grade batch``.

Three layouts, detected automatically:

* ``FILES``: a folder of one ``.py`` file per student (``alice.py``);
* ``FOLDERS``: a folder of one folder per student (GitHub Classroom's ``gh classroom clone
  student-repos``); each folder is one multi-file submission, its entry module chosen by
  ``--file`` or the rule of :mod:`grader.submissions`;
* ``GRADESCOPE``: Gradescope's "Export Submissions" (a folder, or its zip), where
  ``submission_metadata.yml`` maps each ``submission_NNN/`` folder to its submitters.

A zip is extracted safely first (:func:`extract_zip`). Clutter (notes, notebooks'
checkpoints, ``__pycache__``, macOS ``._*`` files) is skipped; an empty student folder
becomes an entry with a problem, reported, never a crash. Nothing here reads a file as
a submission: :mod:`grader.submissions` does that, without trusting it.
"""

from __future__ import annotations

import enum
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

METADATA = "submission_metadata.yml"
MAX_ZIP_ENTRIES = 20_000
MAX_ZIP_BYTES = 1 << 30
MAX_ZIP_FILE_BYTES = 16 << 20
_CLUTTER_FOLDERS = {"__pycache__", ".ipynb_checkpoints", ".git", ".github", "__MACOSX", "node_modules", ".venv"}


class InputError(Exception):
    """SUBMISSIONS cannot be read as a class's work (missing, an unsafe or oversized zip, bad metadata)."""


class Layout(enum.Enum):
    FILES = "one .py file per student"
    FOLDERS = "one folder per student"
    GRADESCOPE = "Gradescope export"


@dataclass(frozen=True)
class Submitter:
    """A person a submission belongs to (Gradescope lists several for a group submission)."""

    name: str = ""
    email: str = ""
    sid: str = ""

    @property
    def identifier(self) -> str:
        return self.sid or self.email or self.name


@dataclass(frozen=True)
class Entry:
    """One gradable unit: a student (or a group) and where their submission is."""

    key: str  # stable identifier: the gradebook's student column
    label: str  # where it came from, for messages and reports (relative to SUBMISSIONS)
    path: Path | None  # the file or folder to grade; None when there is no submission
    submitters: tuple[Submitter, ...] = ()
    problem: str = ""  # why it cannot be graded (an empty folder, no upload)


@dataclass(frozen=True)
class Roster:
    layout: Layout
    root: Path
    entries: tuple[Entry, ...]
    notes: tuple[str, ...] = ()  # skipped clutter, duplicates, unsafe zip entries


def discover(source: Path, scratch: Path) -> Roster:
    """The class's submissions in ``source`` (a folder or a zip, extracted under ``scratch``)."""
    if os.path.islink(source):
        raise InputError(f"{source} is a symbolic link: give the folder or zip itself")
    if not source.exists():
        raise InputError(f"{source}: no such folder or zip")
    notes: list[str] = []
    root = source
    if source.is_file():
        if not zipfile.is_zipfile(source):
            raise InputError(f"{source} is a file but not a zip: give a folder of submissions or a zip of one "
                             "(to grade one student's file, use `grade FILE --rubric R`)")
        root = scratch / "extracted"
        notes += extract_zip(source, root)
        root = _unwrap(root)
    elif not source.is_dir():
        raise InputError(f"{source} is neither a folder nor a zip")
    prefix = source.name + "/" + (root.relative_to(scratch / "extracted").as_posix() + "/"
                                  if source.is_file() and root != scratch / "extracted" else "")
    if (root / METADATA).is_file() and not (root / METADATA).is_symlink():
        entries, more = _gradescope(root, prefix)
        return Roster(Layout.GRADESCOPE, root, entries, tuple(notes + more))
    entries, more = _plain(root, prefix)
    layout = Layout.FOLDERS if any(e.path is None or e.path.is_dir() for e in entries) else Layout.FILES
    return Roster(layout, root, entries, tuple(notes + more))


# -- zips ----------------------------------------------------------------------


def extract_zip(archive: Path, target: Path) -> list[str]:
    """Extract ``archive`` into ``target`` (created), refusing what could escape or exhaust the disk.

    Links, absolute paths and ``..`` are skipped with a note; more than ``MAX_ZIP_ENTRIES`` entries or
    ``MAX_ZIP_BYTES`` in all (counted as read, not as declared) refuse the zip."""
    notes: list[str] = []
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise InputError(f"{archive} has {len(infos)} entries (at most {MAX_ZIP_ENTRIES})")
            target.mkdir(parents=True, exist_ok=False)
            budget = [MAX_ZIP_BYTES]
            for info in infos:
                reason = _unsafe(info)
                if reason:
                    notes.append(f"{archive.name}: skipped {_printable(info.filename)!r}: {reason}")
                    continue
                _extract_one(zf, info, target, budget, notes, archive.name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise InputError(f"{archive} is not a readable zip: {exc}") from None
    except OSError as exc:
        raise InputError(f"cannot extract {archive}: {exc.strerror or exc}") from None
    return notes


def _unsafe(info: zipfile.ZipInfo) -> str:
    name = info.filename.replace("\\", "/")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "an absolute path"
    parts = [p for p in name.split("/") if p]
    if any(p in ("..", ".") for p in parts) or not parts:
        return "a path outside the archive"
    if any("\x00" in p or len(p.encode()) > 255 for p in parts):
        return "an invalid file name"
    return ""


def _extract_one(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: list[int],
                 notes: list[str], archive: str) -> None:
    parts = [p for p in info.filename.replace("\\", "/").split("/") if p]
    path = target.joinpath(*parts)
    if info.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(path):
        notes.append(f"{archive}: skipped a second {_printable(info.filename)!r}")
        return
    limit = min(MAX_ZIP_FILE_BYTES, budget[0])
    written = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as out, zf.open(info) as stream:
        while chunk := stream.read(1 << 16):
            written += len(chunk)
            if written > limit:
                if budget[0] <= MAX_ZIP_FILE_BYTES:
                    raise InputError(f"{archive} expands to more than {MAX_ZIP_BYTES >> 20} MiB")
                break
            out.write(chunk)
    if written > limit:
        path.unlink()
        notes.append(f"{archive}: skipped {_printable(info.filename)!r}: larger than {MAX_ZIP_FILE_BYTES >> 20} MiB")
        return
    budget[0] -= written


def _unwrap(root: Path) -> Path:
    """A zip of one folder (Gradescope's ``assignment_NNN_export/``): grade what is inside it."""
    while True:
        items = [p for p in root.iterdir() if not _clutter(p.name)]
        if len(items) == 1 and items[0].is_dir() and not items[0].is_symlink() and not (root / METADATA).exists() \
                and _holds_students(items[0]):
            root = items[0]
        else:
            return root


def _holds_students(folder: Path) -> bool:
    return (folder / METADATA).is_file() or sum(1 for p in folder.iterdir() if not _clutter(p.name)) > 1


# -- Gradescope ------------------------------------------------------------------


class _TolerantLoader(yaml.SafeLoader):
    """Safe YAML that reads Ruby's tagged values (``!ruby/object:BigDecimal``) as plain data."""


def _plain_node(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_TolerantLoader.add_multi_constructor("!", _plain_node)


def _gradescope(root: Path, prefix: str) -> tuple[tuple[Entry, ...], list[str]]:
    try:
        text = (root / METADATA).read_text(encoding="utf-8")
        raw = yaml.load(text, Loader=_TolerantLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{root / METADATA} cannot be read: {exc}") from None
    if not isinstance(raw, dict):
        raise InputError(f"{root / METADATA} is not a mapping of submission folders")
    entries: list[Entry] = []
    notes: list[str] = []
    listed = set()
    for folder_name in sorted(raw, key=str):
        folder = str(folder_name)
        listed.add(folder)
        meta = raw[folder_name] if isinstance(raw[folder_name], dict) else {}
        submitters = tuple(_submitter(s) for s in _field(meta, "submitters") or () if isinstance(s, dict))
        if not submitters:
            submitters = (Submitter(name=folder),)
            notes.append(f"{folder}: no submitters in {METADATA}; listed under its folder name")
        key = "+".join(sorted(s.identifier for s in submitters))
        path = root / folder
        if "/" in folder or folder in ("", ".", "..") or os.path.islink(path) or not path.is_dir():
            entries.append(Entry(key, prefix + folder, None, submitters, f"no folder {folder} in the export"))
            continue
        if not _has_python(path):
            entries.append(Entry(key, prefix + folder + "/", None, submitters, "no Python file was uploaded"))
            continue
        graded = _graded_path(path)
        entries.append(Entry(key, prefix + _relative(graded, root), graded, submitters))
    for item in sorted(root.iterdir()):
        if item.is_dir() and item.name not in listed and not _clutter(item.name):
            notes.append(f"{item.name}/ is not in {METADATA}: not graded")
    return _unique(entries, notes), notes


def _field(meta: dict, name: str) -> Any:
    """A metadata field under its Ruby-symbol key (``:submitters``) or a plain one."""
    return meta.get(f":{name}", meta.get(name))


def _submitter(raw: dict) -> Submitter:
    return Submitter(*(str(_field(raw, k) or "").strip() for k in ("name", "email", "sid")))


# -- plain folders -------------------------------------------------------------


def _plain(root: Path, prefix: str) -> tuple[tuple[Entry, ...], list[str]]:
    entries: list[Entry] = []
    notes: list[str] = []
    skipped: list[str] = []
    folders = []
    for item in sorted(os.scandir(root), key=lambda e: e.name):
        if _clutter(item.name):
            continue
        label = prefix + item.name
        if item.is_symlink():
            notes.append(f"{_printable(item.name)} is a symbolic link: not graded")
        elif item.is_dir(follow_symlinks=False):
            folders.append(item)
        elif item.name.endswith(".py") and item.is_file(follow_symlinks=False):
            entries.append(Entry(item.name[:-3], label, Path(item.path)))
        else:
            skipped.append(item.name)
    stem = _common_prefix([f.name for f in folders])
    for item in folders:
        key = item.name[len(stem):] or item.name
        path = Path(item.path)
        if not _has_python(path):
            entries.append(Entry(key, prefix + item.name + "/", None, (), "no Python file in the folder"))
            continue
        graded = _graded_path(path)
        entries.append(Entry(key, prefix + _relative(graded, root), graded))
    if skipped:
        notes.append(f"skipped {len(skipped)} file(s) that are not Python sources: "
                     + ", ".join(_printable(s) for s in skipped[:5]) + (", …" if len(skipped) > 5 else ""))
    if not entries:
        raise InputError(f"{root} holds no submission: expected one .py file or one folder per student, "
                         f"or a Gradescope export with {METADATA}")
    return _unique(entries, notes), notes


def _common_prefix(names: list[str]) -> str:
    """Classroom's ``<assignment>-<username>`` folders: the shared ``<assignment>-`` (two folders or more)."""
    if len(names) < 2:
        return ""
    shared = os.path.commonprefix(names)
    cut = shared.rfind("-")
    return shared[:cut + 1] if cut > 0 and all(len(n) > cut + 1 for n in names) else ""


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() + ("/" if path.is_dir() else "")


def _graded_path(folder: Path) -> Path:
    """A folder with one Python file is that file, whatever its name ("hw5 final.py" as uploaded); otherwise
    the folder, graded as a multi-file submission."""
    found = _python_files(folder, 0, 2)
    return found[0] if len(found) == 1 else folder


def _python_files(folder: Path, depth: int, limit: int) -> list[Path]:
    found: list[Path] = []
    try:
        items = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return found
    for item in items:
        if len(found) >= limit:
            break
        if _clutter(item.name) or item.is_symlink():
            continue
        if item.is_file(follow_symlinks=False) and item.name.endswith(".py"):
            found.append(Path(item.path))
        elif item.is_dir(follow_symlinks=False) and depth < 6:
            found += _python_files(Path(item.path), depth + 1, limit - len(found))
    return found


def _has_python(folder: Path, depth: int = 0) -> bool:
    try:
        items = list(os.scandir(folder))
    except OSError:
        return False
    for item in items:
        if _clutter(item.name) or item.is_symlink():
            continue
        if item.is_file(follow_symlinks=False) and item.name.endswith(".py"):
            return True
        if item.is_dir(follow_symlinks=False) and depth < 6 and _has_python(Path(item.path), depth + 1):
            return True
    return False


def _clutter(name: str) -> bool:
    return name.startswith(".") or name in _CLUTTER_FOLDERS or name == METADATA


def _unique(entries: Iterable[Entry], notes: list[str]) -> tuple[Entry, ...]:
    """Keys made unique (``alice`` twice: the second becomes ``alice (2)``), with a note."""
    seen: dict[str, int] = {}
    out = []
    for entry in entries:
        normal = unicodedata.normalize("NFC", entry.key).casefold()
        count = seen.get(normal, 0) + 1
        seen[normal] = count
        if count > 1:
            new_key = f"{entry.key} ({count})"
            notes.append(f"{_printable(entry.label)}: a second submission for '{_printable(entry.key)}'; "
                         f"graded as '{_printable(new_key)}'")
            entry = Entry(new_key, entry.label, entry.path, entry.submitters, entry.problem)
        out.append(entry)
    return tuple(out)


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else "\ufffd" for c in text)
