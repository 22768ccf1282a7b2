"""Hostile files, machine faults, signals and bad rubrics never cost a student a grade or leak an answer.

Each test reproduces one finding of the hardening review, through the CLI as a user or a
course machine would meet it. Signals are sent at named points of a real run (see
``grader/testpoint.py``), never after a guessed sleep.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from helpers import REPO, RUBRICS, SAMPLES, run_grade

pytestmark = pytest.mark.sandbox

R5 = RUBRICS / "recitation5.yaml"
CORRECT = SAMPLES / "recitation5" / "correct.py"
EMPTY_SCORE = 0  # an empty submission scores 0 on recitation5


@pytest.fixture
def tmpdir_env(tmp_path):
    """A private TMPDIR for one run: whatever the grader leaves behind shows up here."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder, {"TMPDIR": str(folder)}


def grade_json(*args, env=None):
    result = run_grade(*args, "--format", "json", env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result, (json.loads(result.stdout) if result.stdout.strip() else None)


def leftover_processes(folder: Path) -> list[str]:
    """Processes whose working folder lies in ``folder`` (the zygote, workers, the reference child)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if cwd.startswith(str(folder)):
            found.append(f"{pid}: {cwd}")
    return found


def assert_nothing_left(folder: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (leftover_processes(folder) or list(folder.iterdir())):
        time.sleep(0.05)
    assert leftover_processes(folder) == []
    assert list(folder.iterdir()) == []


# -- 1. symlinks and hostile files ------------------------------------------------------------


def test_a_symlink_to_the_reference_is_refused(tmp_path):
    link = tmp_path / "submission.py"
    link.symlink_to(RUBRICS / "recitation5_reference.py")
    result = run_grade(link, "--rubric", R5)
    assert result.returncode == 2 and "symbolic link" in result.stderr
    assert "16 / 16" not in result.stdout


def test_a_symlink_to_a_file_outside_is_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LINE\n")
    link = tmp_path / "submission.py"
    link.symlink_to(secret)
    result = run_grade(link, "--rubric", R5)
    assert result.returncode == 2 and "symbolic link" in result.stderr
    assert "TOP-SECRET" not in result.stdout + result.stderr


def test_a_zip_extracted_with_unzip_keeps_its_symlinks_and_they_are_refused(tmp_path):
    """As a TA would: unzip a student's upload (zip stores symlinks, unzip restores them), then grade."""
    staging = tmp_path / "staging"
    staging.mkdir()
    (staging / "submission.py").symlink_to(RUBRICS / "recitation5_reference.py")
    (staging / "helpers.py").symlink_to("/etc/shadow")
    archive = tmp_path / "upload.zip"
    subprocess.run(["zip", "-q", "--symlinks", str(archive), "submission.py", "helpers.py"], cwd=staging, check=True)
    extracted = tmp_path / "extracted"
    subprocess.run(["unzip", "-q", str(archive), "-d", str(extracted)], check=True)
    assert (extracted / "submission.py").is_symlink()
    for target in (extracted / "submission.py", extracted):  # the file itself, and the folder as a submission
        result = run_grade(target, "--rubric", R5)
        assert result.returncode == 2 and "symbolic link" in result.stderr, result.stderr
        assert "16 / 16" not in result.stdout and "root:" not in result.stdout + result.stderr


def test_a_folder_submission_grades_its_entry_module_with_helpers(tmp_path):
    folder = tmp_path / "alice"
    folder.mkdir()
    source = CORRECT.read_text()
    (folder / "helpers.py").write_text(source)
    (folder / "hw5.py").write_text("from helpers import *  # noqa\n")
    (folder / "notes.txt").write_text("not graded")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "helpers.cpython-311.pyc").write_bytes(b"\0" * 16)
    result, document = grade_json(folder, "--rubric", R5, "--file", "hw5.py")
    assert result.returncode == 0 and document["score"] == 16


def test_a_sourceless_pyc_is_not_imported(tmp_path):
    folder = tmp_path / "bob"
    folder.mkdir()
    (folder / "submission.py").write_text("from hidden import *  # noqa\n")
    compiled = subprocess.run([sys.executable, "-c", "import py_compile, sys; py_compile.compile(sys.argv[1], "
                               "cfile=sys.argv[2])", str(CORRECT), str(folder / "hidden.pyc")], check=True)
    assert compiled.returncode == 0
    result, document = grade_json(folder, "--rubric", R5)
    assert document["score"] == EMPTY_SCORE and "ModuleNotFoundError" in json.dumps(document)


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_a_directory_or_pipe_is_named_for_what_it_is(tmp_path, kind):
    path = tmp_path / "submission.py"
    if kind == "directory":
        path.mkdir()
        expected = "holds no Python file"
    else:
        os.mkfifo(path)
        expected = "not a regular file"
    result = run_grade(path, "--rubric", R5)
    assert result.returncode == 2 and expected in result.stderr and "not found" not in result.stderr


def test_a_file_name_over_255_characters_is_a_usage_error(tmp_path):
    result = run_grade(tmp_path / ("x" * 300 + ".py"), "--rubric", R5)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "File name too long" in result.stderr or "not found" in result.stderr


def test_escape_characters_in_names_and_titles_never_reach_the_terminal(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(RUBRICS / "recitation5_reference.py", course)
    text = R5.read_text().replace('title: "Recitation 5: Neural Networks"', 'title: "Evil \\e[2J\\e[31m title"')
    rubric = course / "evil.yaml"
    rubric.write_text(text)
    submission = tmp_path / "sub\x1b[2Jmission.py"
    shutil.copy(CORRECT, submission)
    result = run_grade(submission, "--rubric", rubric, env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout + result.stderr and "Evil" in result.stdout


# -- 2. machine faults are not the student's failure -----------------------------------------------


def in_mount_namespace(script: str) -> subprocess.CompletedProcess:
    """Run a shell ``script`` in a private mount namespace (root may mount a tiny tmpfs there)."""
    return subprocess.run(["unshare", "-m", "sh", "-ec", script], cwd=REPO, capture_output=True, text=True,
                          timeout=180, env={k: v for k, v in os.environ.items() if k != "TMPDIR"})


def test_a_full_temporary_folder_is_could_not_grade_never_a_zero(tmp_path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    result = in_mount_namespace(f"""
        mount -t tmpfs -o size=64k tmpfs {mount}
        dd if=/dev/zero of={mount}/fill bs=1k count=60 2>/dev/null
        set +e
        TMPDIR={mount} {sys.executable} -m grader {CORRECT} --rubric {R5} --format json --output {tmp_path}/out.json
        echo "exit=$?"
        rm {mount}/fill
        ls -A {mount}
    """)
    lines = result.stdout.split()
    assert "exit=3" in lines, result.stdout + result.stderr
    assert "could not grade" in result.stderr and "not the submission's fault" in result.stderr
    assert not (tmp_path / "out.json").exists(), "a fault of ours was recorded as a result"
    assert lines[-1] == "exit=3", f"left in the temporary folder: {lines[lines.index('exit=3') + 1:]}"


def test_a_full_disk_never_leaves_a_truncated_report(tmp_path):
    mount = tmp_path / "out"
    mount.mkdir()
    result = in_mount_namespace(f"""
        mount -t tmpfs -o size=8k tmpfs {mount}
        dd if=/dev/zero of={mount}/fill bs=1k count=6 2>/dev/null
        set +e
        {sys.executable} -m grader {SAMPLES}/recitation5/sign_error.py --rubric {R5} --output {mount}/report.txt
        echo "exit=$?"
        ls -A {mount}
    """)
    assert "exit=3" in result.stdout, result.stdout + result.stderr
    assert "could not write the report" in result.stderr
    assert result.stdout.split()[-1] == "fill", "a partial report or temporary file was left"


# -- 3. signals ------------------------------------------------------------------------------------------


def start_paused(point: str, folder: Path, *args) -> subprocess.Popen:
    """Start ``grade`` and wait until it announces that it reached ``point``."""
    env = dict(os.environ, TMPDIR=str(folder), GRADER_TEST_POINT=point)
    env.pop("FORCE_COLOR", None)
    process = subprocess.Popen([sys.executable, "-m", "grader", *(args or (CORRECT, "--rubric", R5))],
                               cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stderr.readline()
    assert line.strip() == f"grader-test-point: {point}", line
    return process


@pytest.mark.parametrize("point", ["imports", "zygote", "call", "report"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stop_signal_ends_everything_at_every_point(tmpdir_env, point, signum):
    folder, _ = tmpdir_env
    process = start_paused(point, folder)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 128 + signum, stderr
    assert stderr.strip().splitlines() == [f"grade: stopped by {signal.Signals(signum).name}"]
    assert "Traceback" not in stderr
    assert_nothing_left(folder)


def test_after_sigkill_the_next_run_sweeps_what_was_left(tmpdir_env):
    folder, env = tmpdir_env
    process = start_paused("call", folder)
    process.kill()
    process.communicate(timeout=30)
    assert [p.name for p in folder.iterdir() if p.name.startswith("grader-run-")], "nothing was left to sweep"
    result = run_grade(CORRECT, "--rubric", R5, env=env)
    assert result.returncode == 0
    assert_nothing_left(folder)


def test_two_runs_side_by_side_never_sweep_each_others_folders(tmpdir_env):
    folder, env = tmpdir_env
    paused = start_paused("call", folder)
    try:
        before = {p.name for p in folder.iterdir()}
        assert before, "the paused run has its folder"
        result = run_grade(CORRECT, "--rubric", R5, env=env)
        assert result.returncode == 0
        assert before <= {p.name for p in folder.iterdir()}, "the second run removed the first run's folder"
    finally:
        paused.send_signal(signal.SIGTERM)
        paused.communicate(timeout=30)
    assert paused.returncode == 128 + signal.SIGTERM
    assert_nothing_left(folder)


# -- 5. bounded YAML --------------------------------------------------------------------------------------


BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{c}: &{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]) + "\n"


@pytest.mark.parametrize("command", [["grade", CORRECT, "--rubric"], ["stub", "--rubric"], ["check"]])
@pytest.mark.parametrize("bomb", ["billion laughs", "deep nesting", "huge"])
def test_hostile_yaml_is_refused_quickly_with_a_located_error(tmp_path, command, bomb):
    rubric = tmp_path / "bomb.yaml"
    if bomb == "billion laughs":
        rubric.write_text(BILLION_LAUGHS)
        expected = "aliases expand"
    elif bomb == "deep nesting":
        rubric.write_text("a: " + "[" * 10_000 + "]" * 10_000 + "\n")
        expected = "nest"
    else:
        with rubric.open("w") as stream:
            stream.write("title: huge\nfiller:\n")
            line = "  - " + "x" * 100 + "\n"
            stream.write(line * (50_000_000 // len(line)))
        expected = "larger than"
    started = time.monotonic()
    result = run_grade(*command[1:] if command[0] == "grade" else command, rubric, timeout=60)
    assert time.monotonic() - started < 20
    assert result.returncode == 2, result.stdout + result.stderr
    assert expected in result.stdout + result.stderr and str(rubric) in result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


# -- 6. --output ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["submission", "rubric", "reference"])
def test_output_never_overwrites_an_input(tmp_path, target):
    course = tmp_path / "course"
    shutil.copytree(RUBRICS, course, ignore=shutil.ignore_patterns("*.yaml", "__pycache__"))
    shutil.copy(R5, course)
    submission = tmp_path / "submission.py"
    shutil.copy(CORRECT, submission)
    paths = {"submission": submission, "rubric": course / "recitation5.yaml",
             "reference": course / "recitation5_reference.py"}
    before = paths[target].read_bytes()
    result = run_grade(submission, "--rubric", course / "recitation5.yaml", "--output", paths[target])
    assert result.returncode == 2 and "would overwrite" in result.stderr
    assert paths[target].read_bytes() == before


def test_an_output_folder_that_does_not_exist_is_refused_before_grading(tmp_path):
    started = time.monotonic()
    result = run_grade(CORRECT, "--rubric", R5, "--output", tmp_path / "missing" / "out.json")
    assert result.returncode == 2 and "no such folder" in result.stderr
    assert time.monotonic() - started < 5


# -- 7. a broken reference never passes a gate ---------------------------------------------------------------


REFERENCE_RUBRIC = """
title: reference faults
reference: ref.py
seed: 3
defaults: {call_timeout: 1, total_timeout: 10}
interface:
  functions:
    f:
      params: {x: {shape: [2]}}
      returns: {y: {shape: [2]}}
questions:
  - id: "1"
    title: one
    parts:
      - {id: a, title: f, points: 1, call: f, checks: [{reference: {random: 3}}]}
"""


@pytest.mark.parametrize("reference, expected", [
    ("import sys\nsys.exit(0)\n", "exit()"),
    ("import sys\ndef f(x):\n    sys.exit(0)\n", "exit()"),
    ("import os\ndef f(x):\n    os._exit(0)\n", "process died"),
    ("def f(x):\n    while True:\n        pass\n", "did not finish within"),
])
def test_a_broken_reference_is_a_rubric_error_never_exit_0(tmp_path, reference, expected):
    course = tmp_path / "course"
    course.mkdir()
    (course / "r.yaml").write_text(REFERENCE_RUBRIC)
    (course / "ref.py").write_text(reference)
    submission = tmp_path / "submission.py"
    submission.write_text("def f(x):\n    return x\n")
    result = run_grade(submission, "--rubric", course / "r.yaml", timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "ref.py" in result.stderr and expected in result.stderr and result.stdout == ""


def test_a_reference_outside_the_rubric_folder_is_used(tmp_path):
    (tmp_path / "course").mkdir()
    (tmp_path / "shared").mkdir()
    (tmp_path / "course" / "r.yaml").write_text(REFERENCE_RUBRIC.replace("reference: ref.py",
                                                                          "reference: ../shared/ref.py"))
    (tmp_path / "shared" / "ref.py").write_text("def f(x):\n    return 2 * x\n")
    submission = tmp_path / "submission.py"
    submission.write_text("def f(x):\n    return 2 * x\n")
    result = run_grade(submission, "--rubric", tmp_path / "course" / "r.yaml")
    assert result.returncode == 0, result.stderr


# -- 8 and 9. user errors are one located line with the right exit code ---------------------------------------


def test_stdout_closed_with_json_output_is_a_usage_error():
    done = subprocess.run(f"{sys.executable} -m grader {CORRECT} --rubric {R5} --format json >&-", shell=True,
                          cwd=REPO, capture_output=False, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 2 and "standard output is closed" in done.stderr


def test_a_reader_closing_the_pipe_is_a_usage_error(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "grader", str(SAMPLES / "recitation5" / "sign_error.py"),
                                "--rubric", str(R5)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=dict(os.environ, GRADER_TEST_POINT="report"))
    assert process.stderr.readline().strip() == "grader-test-point: report"
    process.stdout.close()  # the reader goes away before the report is written
    process.send_signal(signal.SIGUSR1)  # go on from the test point
    process.wait(timeout=120)
    stderr = process.stderr.read()
    assert process.returncode == 2 and "closed the pipe" in stderr and "Traceback" not in stderr


def test_closed_standard_streams_never_collide_with_the_sandbox(tmp_path):
    out = tmp_path / "out.json"
    done = subprocess.run(f"{sys.executable} -m grader {CORRECT} --rubric {R5} --format json --output {out} "
                          f"<&- >&- 2>&-", shell=True, cwd=REPO)
    assert done.returncode == 0 and json.loads(out.read_text())["score"] == 16


@pytest.mark.parametrize("value", ["-5", "150", "nan", "inf"])
def test_fail_under_must_be_a_percentage(value):
    result = run_grade(CORRECT, "--rubric", R5, "--fail-under", value)
    assert result.returncode == 2 and "percentage" in result.stderr


def test_a_claim_kind_typo_is_a_located_rubric_error(tmp_path):
    rubric = tmp_path / "r.yaml"
    (tmp_path / "ref.py").write_text("")
    rubric.write_text(textwrap.dedent("""
        title: t
        reference: ref.py
        seed: 1
        interface:
          functions:
            f: {params: {x: {shape: [2]}}, returns: {y: {shape: [2]}}}
        questions:
          - id: "1"
            title: q
            parts:
              - {id: a, title: t, points: 1, claim: {kind: symetry, call: f}}
              - {id: b, title: t, points: two, call: f, checks: [{reference: {}}]}
    """))
    result = run_grade("stub", "--rubric", rubric)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and ":12: " in lines[0] and "'symetry'" in lines[0] and ":13: " in lines[1]
