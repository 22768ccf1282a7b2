"""Helpers for the batch tests: class folders and Gradescope exports made of real sample submissions."""

from __future__ import annotations

import csv
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

from helpers import REPO, SAMPLES

RECITATION5 = SAMPLES / "recitation5"
RUBRIC = REPO / "rubrics" / "recitation5.yaml"


def sample(name: str) -> bytes:
    return (RECITATION5 / f"{name}.py").read_bytes()


def make_files_class(folder: Path, students: dict[str, str]) -> Path:
    """A folder of one ``<student>.py`` per student, each a copy of a recitation5 sample."""
    folder.mkdir(parents=True)
    for student, name in students.items():
        (folder / f"{student}.py").write_bytes(sample(name))
    return folder


def gradescope_metadata(submissions: dict[str, list[dict[str, str]]]) -> str:
    """``submission_metadata.yml`` as Gradescope writes it: Ruby-symbol keys, a BigDecimal score."""
    lines = ["---"]
    for folder, people in submissions.items():
        lines += [f"{folder}:", "  :submitters:"]
        for person in people:
            lines.append(f"  - :name: {_yaml_str(person.get('name', ''))}")
            lines.append(f"    :sid: {_yaml_str(person.get('sid', ''))}")
            lines.append(f"    :email: {_yaml_str(person.get('email', ''))}")
        lines += ["  :created_at: 2024-10-11 09:30:00.000000000 -04:00", "  :score: !ruby/object:BigDecimal 18:0.0",
                  "  :status: processed"]
    return "\n".join(lines) + "\n"


def _yaml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def make_gradescope_export(folder: Path, uploads: dict[str, tuple[str, str]],
                           people: dict[str, list[dict[str, str]]]) -> Path:
    """An export folder: ``uploads`` maps submission folder -> (uploaded file name, sample name)."""
    folder.mkdir(parents=True)
    for sub, (filename, name) in uploads.items():
        (folder / sub).mkdir()
        (folder / sub / filename).write_bytes(sample(name))
    (folder / "submission_metadata.yml").write_text(gradescope_metadata(people), encoding="utf-8")
    return folder


def zip_folder(folder: Path, archive: Path, top: str | None = None) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            zf.write(path, f"{top}/{name}" if top else name)
    return archive


def run_cli(*args: str, cwd: Path, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, **(env or {}))
    full_env.pop("FORCE_COLOR", None)
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def gradebook_rows(out: Path) -> list[tuple]:
    db = sqlite3.connect(out / "gradebook.sqlite")
    try:
        return db.execute("SELECT student, content_hash, rubric_hash, status, score, parts FROM grades "
                          "ORDER BY student").fetchall()
    finally:
        db.close()


def count_rows(out: Path) -> int:
    path = out / "gradebook.sqlite"
    if not path.exists():
        return 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return db.execute("SELECT COUNT(*) FROM grades").fetchone()[0]
    except sqlite3.OperationalError:  # the table does not exist yet
        return 0
    finally:
        db.close()


def copy_rubric(folder: Path) -> Path:
    """The recitation5 rubric and reference copied into ``folder`` (a rubric a test may change)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(RUBRIC, folder / RUBRIC.name)
    shutil.copy(RUBRIC.with_name("recitation5_reference.py"), folder / "recitation5_reference.py")
    return folder / RUBRIC.name
