"""The gradebook: a SQLite file that is the batch's single source of truth.

One row per graded (student, submission content hash, rubric hash): reruns grade only
what is new or changed, and a row is written in the same transaction that makes it
durable (WAL, ``synchronous=FULL``), so a batch killed at any moment loses no committed
grade and, the key being unique, never holds one twice. A fault of ours is a row with
status ``could_not_grade`` and no score; the next run tries it again. Manual overrides
(a teaching assistant's score with a reason) live in their own table and survive
reruns and ``--force``. The roster table says which submission each student has *now*;
every output is derived from these tables.

The file should be on a local disk: SQLite's WAL needs shared memory that network
filesystems do not provide. On NFS, SMB, CIFS and similar the gradebook falls back to a
rollback journal (slower, still durable).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..results import CouldNotGrade, Outcome, outcome_from_json, outcome_to_json
from .inputs import Submitter

SCHEMA_VERSION = 1
FILE_NAME = "gradebook.sqlite"
_NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb", "smb2", "smbfs", "afs", "fuse.sshfs", "9p", "lustre", "gpfs",
                        "ceph", "glusterfs", "fuse.glusterfs", "beegfs", "davfs"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rubrics (
    rubric_hash TEXT PRIMARY KEY, title TEXT NOT NULL, path TEXT NOT NULL, parts TEXT NOT NULL,
    max_score REAL NOT NULL);
CREATE TABLE IF NOT EXISTS grades (
    id INTEGER PRIMARY KEY,
    student TEXT NOT NULL, content_hash TEXT NOT NULL, rubric_hash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('graded', 'could_not_grade')),
    score REAL, max_score REAL,
    parts TEXT NOT NULL, diagnoses TEXT NOT NULL, reason TEXT NOT NULL,
    seconds REAL NOT NULL, graded_at REAL NOT NULL, layers TEXT NOT NULL, result TEXT NOT NULL,
    feedback TEXT NOT NULL,
    UNIQUE (student, content_hash, rubric_hash));
CREATE TABLE IF NOT EXISTS roster (
    student TEXT PRIMARY KEY, position INTEGER NOT NULL, label TEXT NOT NULL, submitters TEXT NOT NULL,
    content_hash TEXT, problem TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS overrides (
    student TEXT NOT NULL, part TEXT NOT NULL, score REAL NOT NULL, reason TEXT NOT NULL,
    content_hash TEXT, created_at REAL NOT NULL, PRIMARY KEY (student, part));
"""


class GradebookError(Exception):
    """The gradebook cannot be opened or is not ours (another format, a newer version)."""


@dataclass(frozen=True)
class RubricInfo:
    """What outputs need of a rubric, kept in the gradebook so outputs never reread it."""

    rubric_hash: str
    title: str
    path: str
    parts: tuple[tuple[str, str, float], ...]  # (question/part, title, points), in the rubric's order
    max_score: float


@dataclass(frozen=True)
class RosterEntry:
    student: str
    position: int
    label: str
    submitters: tuple[Submitter, ...]
    content_hash: str | None
    problem: str


@dataclass(frozen=True)
class Grade:
    """A gradebook row: one graded (student, content, rubric)."""

    student: str
    content_hash: str
    rubric_hash: str
    outcome: Outcome
    seconds: float
    graded_at: float
    feedback: str = ""  # the student's plain-text report, rendered where it was graded


@dataclass(frozen=True)
class Override:
    student: str
    part: str  # "question/part", or "" for the total
    score: float
    reason: str
    content_hash: str | None  # the submission it was made for
    created_at: float


class Gradebook:
    """An open gradebook; every write method commits before it returns."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME
        self.journal = "delete" if on_network_filesystem(folder) else "wal"
        try:
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600))  # private
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self._db.execute(f"PRAGMA journal_mode={self.journal.upper()}")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            with self._transaction():
                self._create()
        except sqlite3.DatabaseError as exc:
            raise GradebookError(f"{self.path}: not a gradebook this grader can use ({exc})") from None
        except OSError as exc:  # a link where the gradebook should be, a read-only folder
            raise GradebookError(f"cannot open {self.path}: {exc.strerror or exc}") from None

    def _create(self) -> None:
        for statement in filter(str.strip, _SCHEMA.split(";")):
            self._db.execute(statement)
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise GradebookError(f"{self.path} was written by a newer grader (schema {row[0]})")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes ------------------------------------------------------------------

    def record_rubric(self, info: RubricInfo) -> None:
        with self._transaction():
            self._db.execute("INSERT OR REPLACE INTO rubrics VALUES (?, ?, ?, ?, ?)",
                             (info.rubric_hash, info.title, info.path, json.dumps(info.parts), info.max_score))
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('current_rubric', ?)", (info.rubric_hash,))

    def replace_roster(self, entries: Sequence[RosterEntry]) -> None:
        """The submissions present now (the previous roster is replaced in the same transaction)."""
        with self._transaction():
            self._db.execute("DELETE FROM roster")
            self._db.executemany("INSERT INTO roster VALUES (?, ?, ?, ?, ?, ?)", [
                (e.student, e.position, e.label, json.dumps([[s.name, s.email, s.sid] for s in e.submitters]),
                 e.content_hash, e.problem) for e in entries])

    def add_grades(self, grades: Iterable[Grade]) -> int:
        """Record grades in one transaction (a retried fault of ours replaces its earlier row)."""
        rows = [_row(g) for g in grades]
        with self._transaction():
            self._db.executemany(
                "INSERT INTO grades (student, content_hash, rubric_hash, status, score, max_score, parts, diagnoses,"
                " reason, seconds, graded_at, layers, result, feedback) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (student, content_hash, rubric_hash) DO UPDATE SET status = excluded.status,"
                " score = excluded.score, max_score = excluded.max_score, parts = excluded.parts,"
                " diagnoses = excluded.diagnoses, reason = excluded.reason, seconds = excluded.seconds,"
                " graded_at = excluded.graded_at, layers = excluded.layers, result = excluded.result,"
                " feedback = excluded.feedback", rows)
        return len(rows)

    def set_override(self, override: Override) -> None:
        with self._transaction():
            self._db.execute("INSERT OR REPLACE INTO overrides VALUES (?, ?, ?, ?, ?, ?)",
                             (override.student, override.part, override.score, override.reason,
                              override.content_hash, override.created_at))

    def remove_override(self, student: str, part: str) -> bool:
        with self._transaction():
            cursor = self._db.execute("DELETE FROM overrides WHERE student = ? AND part = ?", (student, part))
        return cursor.rowcount > 0

    # -- reads -------------------------------------------------------------------

    def current_rubric(self) -> RubricInfo | None:
        row = self._db.execute("SELECT r.* FROM rubrics r JOIN meta m ON m.key = 'current_rubric' "
                               "AND m.value = r.rubric_hash").fetchone()
        if row is None:
            return None
        parts = tuple((str(n), str(t), float(p)) for n, t, p in json.loads(row[3]))
        return RubricInfo(row[0], row[1], row[2], parts, row[4])

    def graded_keys(self, rubric_hash: str) -> set[tuple[str, str]]:
        """(student, content hash) pairs with a grade under ``rubric_hash`` (faults of ours excluded)."""
        return set(self._db.execute("SELECT student, content_hash FROM grades WHERE rubric_hash = ? "
                                    "AND status = 'graded'", (rubric_hash,)))

    def roster(self) -> list[RosterEntry]:
        return [RosterEntry(r[0], r[1], r[2], tuple(Submitter(*s) for s in json.loads(r[3])), r[4], r[5])
                for r in self._db.execute("SELECT * FROM roster ORDER BY position")]

    def grade_for(self, student: str, content_hash: str, rubric_hash: str) -> Grade | None:
        row = self._db.execute("SELECT student, content_hash, rubric_hash, result, seconds, graded_at, feedback "
                               "FROM grades WHERE student = ? AND content_hash = ? AND rubric_hash = ?",
                               (student, content_hash, rubric_hash)).fetchone()
        return None if row is None else Grade(row[0], row[1], row[2], outcome_from_json(row[3]), *row[4:])

    def overrides(self) -> dict[str, dict[str, Override]]:
        """Every override, by student, then by part ("" for the total)."""
        out: dict[str, dict[str, Override]] = {}
        for row in self._db.execute("SELECT * FROM overrides ORDER BY student, part"):
            out.setdefault(row[0], {})[row[1]] = Override(*row)
        return out

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM grades").fetchone()[0]

    # -- helpers -------------------------------------------------------------------

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, *rest) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")


def _row(grade: Grade) -> tuple:
    outcome = grade.outcome
    if isinstance(outcome, CouldNotGrade):
        return (grade.student, grade.content_hash, grade.rubric_hash, "could_not_grade", None, None, "{}", "{}",
                outcome.reason, grade.seconds, grade.graded_at, "[]", outcome_to_json(outcome), "")
    parts = {p.name: p.score for p in outcome.parts()}
    diagnoses = {p.name: list(p.diagnoses) for p in outcome.parts() if p.diagnoses}
    return (grade.student, grade.content_hash, grade.rubric_hash, "graded", outcome.score, outcome.max_score,
            json.dumps(parts), json.dumps(diagnoses), outcome.problem, grade.seconds, grade.graded_at,
            json.dumps(outcome.layers), outcome_to_json(outcome), grade.feedback)


def rubric_info(rubric_hash: str, title: str, path: str, parts: Iterable[tuple[str, str, float]]) -> RubricInfo:
    parts = tuple(parts)
    return RubricInfo(rubric_hash, title, path, parts, sum(p for _, _, p in parts))


def now() -> float:
    return time.time()


def on_network_filesystem(folder: Path, mounts_text: str | None = None) -> bool:
    """Whether ``folder`` is on a network filesystem (from /proc/self/mounts; False where unknown)."""
    try:
        mounts = (Path("/proc/self/mounts").read_text() if mounts_text is None else mounts_text).splitlines()
    except OSError:
        return False
    real = os.path.realpath(folder)
    best, kind = "", ""
    for line in mounts:
        fields = line.split()
        if len(fields) >= 3:
            point = fields[1].replace("\\040", " ")
            if (real == point or real.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
                best, kind = point, fields[2]
    return kind in _NETWORK_FILESYSTEMS

