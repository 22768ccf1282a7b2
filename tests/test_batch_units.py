"""Batch grading without starting a process: inputs, zips, the gradebook, scheduling, outputs, the report."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import pytest
from batch_helpers import RUBRIC, copy_rubric, make_files_class, make_gradescope_export, read_csv, sample, zip_folder

from grader.batch import inputs
from grader.batch.analytics import feedback_stems
from grader.batch.bundle import RubricBundle, content_hash
from grader.batch.gradebook import Grade, Gradebook, Override
from grader.batch.inputs import InputError, Layout, discover, extract_zip
from grader.batch.jobs import Done
from grader.batch.outputs import safe_cell
from grader.batch.scheduling import BatchOptions, UnknownStudent, run_batch
from grader.report.classbook import ClassReport, PartInfo, Person, RowStatus, StudentRow
from grader.report.html import render_html
from grader.results import CheckResult, CouldNotGrade, GradeResult, PartResult, QuestionResult
from grader.rubric.loader import load_rubric
from grader.sandbox.slots import SubmissionFiles

# -- inputs ----------------------------------------------------------------------


def test_files_layout_skips_clutter_and_keeps_odd_names(tmp_path):
    cls = make_files_class(tmp_path / "cls", {"alice": "correct", "Zoë Ünïcode": "sign_error", "bob smith": "correct"})
    (cls / "README.md").write_text("notes")
    (cls / "._alice.py").write_bytes(b"\x00\x05mac resource fork")
    (cls / "__pycache__").mkdir()
    (cls / "__pycache__" / "alice.cpython-311.pyc").write_bytes(b"junk")
    (cls / ".ipynb_checkpoints").mkdir()
    roster = discover(cls, tmp_path / "scratch")
    assert roster.layout is Layout.FILES
    assert sorted(e.key for e in roster.entries) == ["Zoë Ünïcode", "alice", "bob smith"]
    assert any("README.md" in n for n in roster.notes)


def test_classroom_folders_strip_the_assignment_prefix_and_report_an_empty_folder(tmp_path):
    cls = tmp_path / "repos"
    for user in ("alice", "bob", "carol"):
        (cls / f"hw5-{user}").mkdir(parents=True)
    (cls / "hw5-alice" / "submission.py").write_bytes(sample("correct"))
    (cls / "hw5-bob" / "README.md").write_text("forgot to push")
    (cls / "hw5-carol" / "work.py").write_bytes(sample("correct"))
    roster = discover(cls, tmp_path / "scratch")
    assert roster.layout is Layout.FOLDERS
    by_key = {e.key: e for e in roster.entries}
    assert set(by_key) == {"alice", "bob", "carol"}
    assert by_key["bob"].path is None and "no Python file" in by_key["bob"].problem


def test_gradescope_export_with_ruby_symbols_and_a_group(tmp_path):
    export = make_gradescope_export(
        tmp_path / "export",
        {"submission_001": ("hw.py", "correct"), "submission_002": ("my answers.py", "sign_error")},
        {"submission_001": [{"name": "Alice", "sid": "111", "email": "alice@uni.edu"}],
         "submission_002": [{"name": "Bob", "sid": "222", "email": "bob@uni.edu"},
                            {"name": "Carol", "sid": "333", "email": "carol@uni.edu"}]})
    roster = discover(export, tmp_path / "scratch")
    assert roster.layout is Layout.GRADESCOPE
    group = next(e for e in roster.entries if len(e.submitters) == 2)
    assert group.key == "222+333"
    assert [s.email for s in group.submitters] == ["bob@uni.edu", "carol@uni.edu"]


def test_a_second_submission_of_one_name_is_kept_apart_and_reported(tmp_path):
    cls = tmp_path / "cls"
    (cls / "alice").mkdir(parents=True)
    (cls / "alice" / "submission.py").write_bytes(sample("correct"))
    (cls / "Alice.py").write_bytes(sample("correct"))
    roster = discover(cls, tmp_path / "scratch")
    assert len({e.key.casefold() for e in roster.entries}) == 2
    assert any("second submission" in n for n in roster.notes)


def _zip_with(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return path


def test_zip_extraction_skips_links_and_escaping_paths(tmp_path):
    link = zipfile.ZipInfo("cls/evil.py")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = _zip_with(tmp_path / "a.zip", [("cls/alice.py", sample("correct")), (link, b"/etc/shadow"),
                                             ("../outside.py", b"x = 1"), ("/abs.py", b"x = 1"),
                                             ("cls/../../up.py", b"x = 1")])
    notes = extract_zip(archive, tmp_path / "out")
    assert (tmp_path / "out" / "cls" / "alice.py").read_bytes() == sample("correct")
    assert not (tmp_path / "out" / "cls" / "evil.py").exists()
    assert not (tmp_path / "outside.py").exists() and not (tmp_path / "up.py").exists()
    assert len(notes) == 4


def test_zip_with_too_many_entries_or_too_many_bytes_is_refused(tmp_path, monkeypatch):
    archive = _zip_with(tmp_path / "many.zip", [(f"s{i}.py", b"x = 1") for i in range(20)])
    monkeypatch.setattr(inputs, "MAX_ZIP_ENTRIES", 10)
    with pytest.raises(InputError, match="entries"):
        extract_zip(archive, tmp_path / "out1")
    monkeypatch.setattr(inputs, "MAX_ZIP_ENTRIES", 1000)
    monkeypatch.setattr(inputs, "MAX_ZIP_BYTES", 50)
    monkeypatch.setattr(inputs, "MAX_ZIP_FILE_BYTES", 40)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(3):
            zf.writestr(f"s{i}.py", b"#" * 30)
    with pytest.raises(InputError, match="expands to more than"):
        extract_zip(bomb, tmp_path / "out2")


def test_a_gradescope_zip_with_a_top_folder_is_unwrapped(tmp_path):
    export = make_gradescope_export(tmp_path / "export", {"submission_7": ("a.py", "correct")},
                                    {"submission_7": [{"name": "Al", "sid": "7", "email": "al@x"}]})
    archive = zip_folder(export, tmp_path / "export.zip", top="assignment_99_export")
    roster = discover(archive, tmp_path / "scratch")
    assert roster.layout is Layout.GRADESCOPE
    assert roster.entries[0].label == "export.zip/assignment_99_export/submission_7/a.py"


def test_missing_input_and_a_plain_file_are_clear_errors(tmp_path):
    with pytest.raises(InputError, match="no such folder"):
        discover(tmp_path / "nope", tmp_path / "s")
    (tmp_path / "one.py").write_text("x = 1")
    with pytest.raises(InputError, match="not a zip"):
        discover(tmp_path / "one.py", tmp_path / "s")


# -- names, cells, bundle ---------------------------------------------------------


def test_feedback_file_names_are_sanitised_and_unique():
    stems = feedback_stems(["../../etc/passwd", "<script>alert(1)</script>", "Zoë", "zoe", "", "CON", "a/b"])
    assert len(set(stems.values())) == len(stems)
    for stem in stems.values():
        assert "/" not in stem and not stem.startswith(".") and stem and "<" not in stem


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx"])
def test_formula_cells_are_neutralised(cell):
    assert safe_cell(cell) == "'" + cell
    assert safe_cell("alice") == "alice"


def test_rubric_hash_covers_the_reference_and_the_bundle_rebuilds_a_loadable_rubric(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_NO_CACHE", "1")
    path = copy_rubric(tmp_path / "r")
    first = RubricBundle.read(load_rubric(path, use_cache=False))
    reference = path.with_name("recitation5_reference.py")
    reference.write_text(reference.read_text() + "\n# fixed a bug\n")
    second = RubricBundle.read(load_rubric(path, use_cache=False))
    assert first.digest != second.digest
    rebuilt = load_rubric(second.materialize(tmp_path / "elsewhere"), use_cache=False)
    assert rebuilt.reference.read_bytes() == reference.read_bytes()


def test_content_hash_depends_on_bytes_and_entry():
    a = SubmissionFiles((("submission.py", b"x = 1"),))
    assert content_hash(a) == content_hash(SubmissionFiles((("submission.py", b"x = 1"),)))
    assert content_hash(a) != content_hash(SubmissionFiles((("submission.py", b"x = 2"),)))
    assert content_hash(SubmissionFiles((("a.py", b""), ("b.py", b"")), "a.py")) != \
        content_hash(SubmissionFiles((("a.py", b""), ("b.py", b"")), "b.py"))


# -- the gradebook ----------------------------------------------------------------


def _result(score: float, name: str = "s.py") -> GradeResult:
    check = CheckResult("value", 1.0 if score >= 2 else 0.0, 1.0, "ok")
    part = PartResult("4", "2a", "part 2a", 2.0, score, (check,))
    return GradeResult(name, "r.yaml", "T", (QuestionResult("4", "Q", (part,)),))


def test_gradebook_keeps_one_row_per_key_and_a_retry_replaces_a_fault(tmp_path):
    with Gradebook(tmp_path) as book:
        assert book.journal == "wal"
        fault = CouldNotGrade("s.py", "r.yaml", "could not grade: disk full", "disk")
        book.add_grades([Grade("alice", "c1", "r1", fault, 0.0, 1.0)])
        assert book.graded_keys("r1") == set()  # a fault of ours is no grade: tried again
        book.add_grades([Grade("alice", "c1", "r1", _result(2.0), 0.1, 2.0)])
        book.add_grades([Grade("alice", "c1", "r1", _result(2.0), 0.1, 3.0)])
        assert book.count() == 1 and book.graded_keys("r1") == {("alice", "c1")}
        book.add_grades([Grade("alice", "c2", "r1", _result(0.0), 0.1, 4.0)])
        assert book.count() == 2
    with Gradebook(tmp_path) as book:  # durable across opens
        assert book.grade_for("alice", "c1", "r1").outcome == _result(2.0)
        assert book.grade_for("alice", "c2", "r1").outcome.score == 0.0


def test_a_gradebook_on_a_network_filesystem_uses_a_rollback_journal(tmp_path, monkeypatch):
    from grader.batch import gradebook

    mounts = f"server:/export {tmp_path} nfs4 rw,relatime 0 0\n/dev/sda1 / ext4 rw 0 0\n"
    assert gradebook.on_network_filesystem(tmp_path / "grades", mounts)
    assert not gradebook.on_network_filesystem(Path("/usr"), mounts)
    monkeypatch.setattr(gradebook, "on_network_filesystem", lambda folder: True)
    with Gradebook(tmp_path) as book:
        assert book.journal == "delete"
        assert book._db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_foreign_file_is_not_taken_for_a_gradebook(tmp_path):
    (tmp_path / "gradebook.sqlite").write_bytes(b"this is not sqlite" * 100)
    from grader.batch.gradebook import GradebookError

    with pytest.raises(GradebookError):
        Gradebook(tmp_path)


# -- scheduling with a fake backend (no process) -------------------------------------


class _FakeBackend:
    """Grades in-process with canned results: scores by the sample a file was copied from."""

    def __init__(self, calls: list[str], fail: set[str] = frozenset()):
        self.calls, self.fail, self.started = calls, fail, 0

    def run(self, jobs):
        for job in jobs:
            self.calls.append(job.student)
            if job.student in self.fail:
                yield Done(job, CouldNotGrade(job.label, "r", "could not grade: sandbox broke", "sandbox"), 0.0)
            else:
                score = 2.0 if job.files.files[0][1] == sample("correct") else 0.0
                yield Done(job, _result(score, job.label), 0.01, "report text\n")

    def close(self):
        pass


def _run(tmp_path, calls, fail=frozenset(), **options):
    batch = BatchOptions(tmp_path / "cls", RUBRIC, tmp_path / "out", 1, **options)
    return run_batch(batch, open(os.devnull, "w"), lambda rubric, bundle, jobs, hide: _FakeBackend(calls, set(fail)))


def test_reruns_grade_only_what_changed_and_faults_are_retried(tmp_path):
    cls = make_files_class(tmp_path / "cls", {"alice": "correct", "bob": "sign_error", "carol": "correct"})
    calls: list[str] = []
    first = _run(tmp_path, calls, fail={"carol"})
    assert sorted(calls) == ["alice", "bob", "carol"] and first.could_not_grade == ["cls/carol.py"]
    rows = {r["identifier"]: r for r in read_csv(tmp_path / "out" / "grades.csv")}
    assert rows["carol"]["status"] == "could not grade" and rows["carol"]["total"] == ""  # never a score
    calls.clear()
    second = _run(tmp_path, calls)
    assert calls == ["carol"] and second.could_not_grade == []
    calls.clear()
    (cls / "bob.py").write_bytes(sample("correct"))  # bob resubmits
    _run(tmp_path, calls)
    assert calls == ["bob"]
    calls.clear()
    _run(tmp_path, calls, only=("alice",))
    assert calls == ["alice"]
    calls.clear()
    _run(tmp_path, calls, force=True)
    assert sorted(calls) == ["alice", "bob", "carol"]
    with pytest.raises(UnknownStudent):
        _run(tmp_path, calls, only=("mallory",))


def test_overrides_survive_force_and_show_in_every_output(tmp_path):
    make_files_class(tmp_path / "cls", {"alice": "correct", "bob": "sign_error"})
    calls: list[str] = []
    _run(tmp_path, calls)
    with Gradebook(tmp_path / "out") as book:
        entry = next(e for e in book.roster() if e.student == "bob")
        book.set_override(Override("bob", "4/2a", 1.5, "=regrade request", entry.content_hash, 0.0))
    _run(tmp_path, calls, force=True)
    out = tmp_path / "out"
    row = next(r for r in read_csv(out / "grades.csv") if r["identifier"] == "bob")
    assert row["total"] == "1.5" and row["4/2a"] == "1.5" and row["adjustments"] == "4/2a = 1.5: =regrade request"
    assert "score adjusted by course staff to 1.5" in (out / "feedback" / "bob.txt").read_text()
    assert json.loads((out / "feedback" / "bob.json").read_text())["score"] == 1.5
    assert "=regrade request" in (out / "report.html").read_text()


# -- the HTML report ---------------------------------------------------------------


def test_report_escapes_every_student_text():
    evil = "<script>alert(1)</script>"
    row = StudentRow(evil, f"cls/{evil}.py", (Person(evil, f"{evil}@x", evil),), RowStatus.ERROR, 0.0, (0.0,),
                     "student-1", detail=evil)
    report = ClassReport(evil, "r.yaml", 2.0, (PartInfo("1/a", evil, 2.0),), (row,), (), notes=(evil,))
    html = render_html(report)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "http" not in html.split("</head>")[1]  # nothing loaded from anywhere


def test_progress_without_a_terminal_prints_plain_periodic_lines():
    import io

    from grader.batch.progress import Progress

    stream = io.StringIO()
    with Progress(stream, 20) as progress:
        for _ in range(20):
            progress.advance()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "grade batch: grading 20 submission(s)"
    assert lines[-1].startswith("grade batch: 20/20 graded (100%)") and "/s" in lines[-1]
    assert 3 <= len(lines) <= 12 and "\x1b" not in stream.getvalue()  # every 10 %, no escape codes
