"""``grade batch`` end to end, as an instructor runs it: real files, real grading processes, real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_helpers import (
    RUBRIC,
    count_rows,
    gradebook_rows,
    make_files_class,
    make_gradescope_export,
    read_csv,
    run_cli,
    sample,
    zip_folder,
)
from helpers import REPO

pytestmark = pytest.mark.sandbox


def _json_without_time(text: str) -> dict:
    document = json.loads(text)
    document.pop("execution_time", None)
    return document


# -- the three layouts ------------------------------------------------------------------


def test_a_folder_of_files_agrees_with_grading_each_alone(tmp_path):
    students = {"alice": "correct", "bob smith": "sign_error", "Zoë": "transposed", "dave": "syntax_error",
                "eve": "infinite_loop"}
    cls = make_files_class(tmp_path / "cls", students)
    (cls / "notes.txt").write_text("not a submission")
    done = run_cli("batch", "cls", "--rubric", RUBRIC, "--out", "out", "--jobs", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    out = tmp_path / "out"
    rows = {r["identifier"]: r for r in read_csv(out / "grades.csv")}
    assert set(rows) == set(students)
    book = {row[0]: row for row in gradebook_rows(out)}
    assert {r["identifier"]: r["status"] for r in rows.values()} == {
        "alice": "graded", "bob smith": "graded", "Zoë": "graded", "dave": "error", "eve": "timed out"}
    for student in students:
        path = f"cls/{student}.py"
        alone = run_cli(path, "--rubric", RUBRIC, "--format", "json", cwd=tmp_path)
        assert alone.returncode in (0, 1), alone.stderr
        expected = _json_without_time(alone.stdout)
        stem = {"bob smith": "bob_smith", "Zoë": "Zoe"}.get(student, student)
        assert _json_without_time((out / "feedback" / f"{stem}.json").read_text()) == expected
        assert float(rows[student]["total"]) == pytest.approx(expected["score"], abs=0.005)
        assert book[student][4] == pytest.approx(expected["score"], abs=1e-6)
        for test in expected["tests"]:
            name = test["number"].replace(".", "/", 1)
            assert float(rows[student][name]) == pytest.approx(test["score"], abs=0.005)
        text = run_cli(path, "--rubric", RUBRIC, "--output", f"{stem}.txt", cwd=tmp_path)
        assert text.returncode in (0, 1)
        assert (out / "feedback" / f"{stem}.txt").read_text() == (tmp_path / f"{stem}.txt").read_text()
    html = (out / "report.html").read_text()
    assert 'href="feedback/alice.txt"' in html and "timed out" in html


def test_classroom_repositories_are_graded_as_multi_file_submissions(tmp_path):
    repos = tmp_path / "hw5-repos"
    alice = repos / "hw5-alice"
    alice.mkdir(parents=True)
    (alice / "utils.py").write_bytes(sample("correct"))
    (alice / "submission.py").write_text("from utils import *  # my helpers live in utils.py\n")
    (alice / "README.md").write_text("# my homework")
    bob = repos / "hw5-bob"
    bob.mkdir()
    (bob / "backprop.py").write_bytes(sample("sign_error"))
    (bob / ".ipynb_checkpoints").mkdir()
    (repos / "hw5-carol").mkdir()
    (repos / "hw5-carol" / "README.md").write_text("nothing pushed")
    done = run_cli("batch", repos, "--rubric", RUBRIC, "--out", tmp_path / "out", "--jobs", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = {r["identifier"]: r for r in read_csv(tmp_path / "out" / "grades.csv")}
    assert rows["alice"]["total"] == "16" and rows["alice"]["status"] == "graded"
    assert rows["bob"]["status"] == "graded" and float(rows["bob"]["total"]) < 16
    assert rows["carol"]["status"] == "missing" and rows["carol"]["total"] == ""
    single = run_cli(repos / "hw5-alice", "--rubric", RUBRIC, "--format", "json", cwd=tmp_path)
    assert single.returncode == 0 and json.loads(single.stdout)["score"] == 16


def test_grade_on_a_folder_of_students_suggests_grade_batch(tmp_path):
    cls = tmp_path / "cls"
    for student in ("alice", "bob"):
        (cls / student).mkdir(parents=True)
        (cls / student / "submission.py").write_bytes(sample("correct"))
    done = run_cli(cls, "--rubric", RUBRIC, cwd=tmp_path)
    assert done.returncode == 2 and "grade batch" in done.stderr


PEOPLE = {
    "submission_101": [{"name": "Alice Ærø", "sid": "101", "email": "alice@uni.edu"}],
    "submission_102": [{"name": "Bob", "sid": "102", "email": "bob@uni.edu"},
                       {"name": "=HYPERLINK(\"http://evil\")", "sid": "103", "email": "carol@uni.edu"}],
    "submission_104": [{"name": "Dan", "sid": "104", "email": "dan@uni.edu"}],
}
UPLOADS = {"submission_101": ("hw5 final.py", "correct"), "submission_102": ("submission.py", "no_intercept")}


@pytest.mark.parametrize("as_zip", [False, True])
def test_a_gradescope_export_with_a_group_folder_or_zip(tmp_path, as_zip):
    export = make_gradescope_export(tmp_path / "export", UPLOADS, PEOPLE)
    (export / "submission_104").mkdir()  # Dan's upload is missing
    source = zip_folder(export, tmp_path / "export.zip", top="assignment_5_export") if as_zip else export
    done = run_cli("batch", source, "--rubric", RUBRIC, "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = read_csv(tmp_path / "out" / "grades.csv")
    assert [r["sid"] for r in rows] == ["101", "102", "103", "104"]  # one row per submitter
    by_sid = {r["sid"]: r for r in rows}
    assert by_sid["101"]["total"] == "16" and by_sid["101"]["name"] == "Alice Ærø"
    assert by_sid["102"]["total"] == by_sid["103"]["total"] != ""
    assert by_sid["103"]["name"].startswith("'=")  # neutralised for spreadsheets
    assert by_sid["104"]["status"] == "missing"
    canvas = read_csv(tmp_path / "out" / "canvas.csv")
    assert list(canvas[0]) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Recitation 5: Neural Networks"]
    assert {r["SIS User ID"]: r["Recitation 5: Neural Networks"] for r in canvas}["101"] == "16"
    feedback = sorted(p.name for p in (tmp_path / "out" / "feedback").iterdir())
    assert feedback == ["101.json", "101.txt", "102+103.json", "102+103.txt"]


# -- stopping and resuming -----------------------------------------------------------------

_MIX = ["correct", "sign_error", "transposed", "no_intercept", "returns_nan", "bias_appended_last"]


def _big_class(folder: Path, n: int) -> Path:
    return make_files_class(folder, {f"student{i:03d}": _MIX[i % len(_MIX)] for i in range(n)})


def _start_batch(tmp_path: Path, cls: Path, out: Path, env: dict | None = None) -> subprocess.Popen:
    full = dict(os.environ, TMPDIR=str(_tmp(tmp_path)), PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.Popen([sys.executable, "-m", "grader", "batch", str(cls), "--rubric", str(RUBRIC),
                             "--out", str(out), "--jobs", "2"], cwd=tmp_path, env=full,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _tmp(tmp_path: Path) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir(exist_ok=True)
    return folder


def _wait_for_rows(out: Path, process: subprocess.Popen, at_least: int, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = count_rows(out)
        if rows >= at_least:
            return rows
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    raise AssertionError("the batch committed no grade in time")


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _descendants(pid: int) -> set[int]:
    children, found, todo = _children_map(), set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _assert_all_end(pids: set[int], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = {p for p in pids if _alive(p)}
        if not left:
            return
        time.sleep(0.1)
    raise AssertionError(f"processes survived: {[_cmdline(p) for p in left]}")


def _grades(out: Path) -> dict[str, tuple]:
    return {row[0]: (row[1], row[3], row[4], row[5]) for row in gradebook_rows(out)}


def test_sigkill_then_resume_loses_and_duplicates_nothing(tmp_path):
    cls = _big_class(tmp_path / "cls", 60)
    reference = run_cli("batch", cls, "--rubric", RUBRIC, "--out", tmp_path / "uninterrupted", "--jobs", "2",
                        cwd=tmp_path)
    assert reference.returncode == 0, reference.stderr
    out = tmp_path / "out"
    process = _start_batch(tmp_path, cls, out)
    _wait_for_rows(out, process, 3)
    tree = _descendants(process.pid)
    pool = [p for p in _children_map().get(process.pid, []) if "grader.batch.pool_worker" in _cmdline(p)]
    assert len(pool) == 2, [_cmdline(p) for p in tree]
    assert any("zygote_process" in _cmdline(p) for p in tree)
    process.kill()
    process.communicate()
    committed = count_rows(out)
    assert 3 <= committed < 60
    _assert_all_end(tree)  # no pool process, zygote, worker or reference process survives

    rerun = run_cli("batch", cls, "--rubric", RUBRIC, "--out", out, "--jobs", "2", cwd=tmp_path,
                    env={"TMPDIR": str(_tmp(tmp_path))})
    assert rerun.returncode == 0, rerun.stderr
    assert f"graded {60 - committed} in" in rerun.stdout  # only what the killed run had not committed
    rows = gradebook_rows(out)
    assert len(rows) == 60 and len({r[0] for r in rows}) == 60  # everyone exactly once
    assert _grades(out) == _grades(tmp_path / "uninterrupted")
    assert not [p for p in (_tmp(tmp_path)).iterdir() if p.name.startswith("grader-run-")]  # stale folders swept

    again = run_cli("batch", cls, "--rubric", RUBRIC, "--out", out, cwd=tmp_path, env={"GRADER_TEST_POINT": "pool"})
    assert again.returncode == 0, again.stderr
    assert "grader-test-point: pool" not in again.stderr  # no grading process, so no sandbox, was started
    assert "nothing new to grade (60 unchanged)" in again.stderr
    assert len(gradebook_rows(out)) == 60


def test_sigterm_commits_finished_grades_and_exits_143(tmp_path):
    cls = _big_class(tmp_path / "cls", 40)
    out = tmp_path / "out"
    process = _start_batch(tmp_path, cls, out)
    _wait_for_rows(out, process, 2)
    tree = _descendants(process.pid)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr
    assert "stopped by SIGTERM" in stderr and "Traceback" not in stderr
    kept = count_rows(out)
    assert kept >= 2
    _assert_all_end(tree)
    rerun = run_cli("batch", cls, "--rubric", RUBRIC, "--out", out, cwd=tmp_path)
    assert rerun.returncode == 0 and f"graded {40 - kept} in" in rerun.stdout


def test_a_grading_process_that_dies_costs_one_could_not_grade_and_exit_3(tmp_path):
    cls = _big_class(tmp_path / "cls", 40)
    out = tmp_path / "out"
    process = _start_batch(tmp_path, cls, out)
    _wait_for_rows(out, process, 2)
    victim = next(p for p in _descendants(process.pid) if "grader.batch.pool_worker" in _cmdline(p)
                  and _children_map().get(p))
    os.kill(victim, signal.SIGKILL)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 3, stderr
    assert "could not be graded" in stderr and "Traceback" not in stderr
    rows = read_csv(out / "grades.csv")
    failed = [r for r in rows if r["status"] == "could not grade"]
    assert len(failed) == 1 and failed[0]["total"] == ""  # recorded as such, never as a score
    rerun = run_cli("batch", cls, "--rubric", RUBRIC, "--out", out, cwd=tmp_path)
    assert rerun.returncode == 0 and "graded 1 in" in rerun.stdout


# -- usage errors and overrides --------------------------------------------------------------


def test_usage_errors_exit_2_with_one_line(tmp_path):
    missing = run_cli("batch", tmp_path / "nope", "--rubric", RUBRIC, cwd=tmp_path)
    assert missing.returncode == 2 and "no such folder" in missing.stderr
    cls = make_files_class(tmp_path / "cls", {"alice": "correct"})
    inside = run_cli("batch", cls, "--rubric", RUBRIC, "--out", cls / "grades", cwd=tmp_path)
    assert inside.returncode == 2 and "inside the submissions folder" in inside.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [unclosed\n")
    rubric = run_cli("batch", cls, "--rubric", bad, cwd=tmp_path)
    assert rubric.returncode == 2 and "Traceback" not in rubric.stderr
    unknown = run_cli("batch", cls, "--rubric", RUBRIC, "--only", "mallory", cwd=tmp_path)
    assert unknown.returncode == 2 and "mallory" in unknown.stderr


def test_override_command_records_and_rewrites_outputs(tmp_path):
    make_files_class(tmp_path / "cls", {"alice": "correct", "bob": "sign_error"})
    assert run_cli("batch", "cls", "--rubric", RUBRIC, cwd=tmp_path).returncode == 0
    done = run_cli("override", "bob", "--part", "4/2a", "--score", "1", "--reason", "regrade #12", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    bob = next(r for r in read_csv(tmp_path / "grades" / "grades.csv") if r["identifier"] == "bob")
    assert bob["4/2a"] == "1" and "regrade #12" in bob["adjustments"]
    bad = run_cli("override", "bob", "--part", "9/z", "--score", "1", "--reason", "x", cwd=tmp_path)
    assert bad.returncode == 2 and "no part" in bad.stderr
    rerun = run_cli("batch", "cls", "--rubric", RUBRIC, "--force", cwd=tmp_path)
    assert rerun.returncode == 0
    bob = next(r for r in read_csv(tmp_path / "grades" / "grades.csv") if r["identifier"] == "bob")
    assert bob["4/2a"] == "1"


# -- students cannot read each other's work -----------------------------------------------------

_PEEK = '''
import os
PLACES = {places!r}


def _peek():
    seen = []
    for place in PLACES:
        try:
            seen += sorted(os.listdir(place))
        except OSError as exc:
            seen.append(f"denied {{exc.errno}}")
    return seen


SEEN = _peek()


def forward(alpha, beta, x, y):
    raise RuntimeError("SEEN=" + repr(SEEN))
'''


@pytest.mark.parametrize("disabled", ["", "landlock"])
def test_a_submission_cannot_list_the_class_or_the_gradebook(tmp_path, disabled):
    cls = make_files_class(tmp_path / "cls", {"alice": "correct"})
    out = tmp_path / "out"
    (cls / "mallory.py").write_text(_PEEK.format(places=[str(cls), str(out)]))
    done = run_cli("batch", cls, "--rubric", RUBRIC, "--out", out, cwd=tmp_path,
                   env={"GRADER_TEST_DISABLE_LAYERS": disabled})
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "feedback" / "mallory.json").read_text())
    seen = [t["output"] for t in report["tests"] if "SEEN=" in t["output"]]
    assert seen, report
    assert "alice.py" not in seen[0] and "gradebook.sqlite" not in seen[0]
    layers = dict(json.loads(gradebook_layers(out, "mallory")))
    if disabled == "landlock" and not layers.get("hidden paths"):
        if os.environ.get("CI") == "true":
            pytest.fail("the mount namespace (hidden paths) is not available on this CI machine")
        pytest.skip("without Landlock, only the mount namespace hides the class, and it is not available here")


def gradebook_layers(out: Path, student: str) -> str:
    import sqlite3

    db = sqlite3.connect(out / "gradebook.sqlite")
    try:
        return db.execute("SELECT layers FROM grades WHERE student = ?", (student,)).fetchone()[0]
    finally:
        db.close()


def test_a_broken_reference_stops_the_batch_as_a_rubric_error(tmp_path):
    from batch_helpers import copy_rubric

    rubric = copy_rubric(tmp_path / "course")
    reference = rubric.with_name("recitation5_reference.py")
    reference.write_text(reference.read_text() + "\n\ndef backward(alpha, beta, x, y):\n    raise ValueError('oops')\n")
    make_files_class(tmp_path / "cls", {"alice": "correct", "bob": "sign_error"})
    done = run_cli("batch", "cls", "--rubric", rubric, "--out", "out", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "grade batch: error:" in done.stderr and "oops" in done.stderr and "Traceback" not in done.stderr
    assert all(row[3] == "graded" for row in gradebook_rows(tmp_path / "out"))  # no fault of the reference is a grade
