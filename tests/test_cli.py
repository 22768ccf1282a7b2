"""The ``grade`` command as users run it: exit codes, Gradescope JSON, the terminal report."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from grader import __version__

from helpers import RUBRICS, SAMPLES, run_grade

pytestmark = pytest.mark.sandbox  # every test runs the CLI

GRADESCOPE_SCHEMA = json.loads((Path(__file__).parent / "gradescope_results.schema.json").read_text())
R5 = RUBRICS / "recitation5.yaml"
PS5 = RUBRICS / "ps5.yaml"


def grade_json(sample: Path, rubric: Path, *extra: str):
    result = run_grade(sample, "--rubric", rubric, "--format", "json", *extra)
    assert "Traceback" not in result.stderr
    return result, json.loads(result.stdout)


@pytest.mark.parametrize("rubric", [R5, PS5])
def test_correct_sample_gets_full_marks_as_valid_gradescope_json(rubric):
    result, document = grade_json(SAMPLES / rubric.stem / "correct.py", rubric)
    assert result.returncode == 0
    jsonschema.validate(document, GRADESCOPE_SCHEMA)
    assert document["score"] == sum(t["max_score"] for t in document["tests"]) > 0
    assert all(t["status"] == "passed" for t in document["tests"])
    assert not any("extra_data" in t for t in document["tests"]), "a correct submission got a diagnosis"
    assert len({t["number"] for t in document["tests"]}) == len(document["tests"])


def test_a_wrong_sample_exits_1_and_says_why():
    result, document = grade_json(SAMPLES / "recitation5" / "sign_error.py", R5)
    assert result.returncode == 1
    jsonschema.validate(document, GRADESCOPE_SCHEMA)
    failed = {t["number"]: t for t in document["tests"] if t["status"] == "failed"}
    assert set(failed) == {"4.2a", "4.2b", "4.3a", "4.3b"}
    assert "∂ℓ/∂ŷ = ŷ − y, not y − ŷ" in failed["4.2a"]["output"]
    assert failed["4.3a"]["score"] == 0  # a right shape alone earns nothing (shape checks are gates)


def test_grading_twice_gives_identical_json_except_execution_time():
    _, first = grade_json(SAMPLES / "ps5" / "transposed.py", PS5)
    _, second = grade_json(SAMPLES / "ps5" / "transposed.py", PS5)
    first.pop("execution_time")
    second.pop("execution_time")
    assert first == second


def test_output_file_and_fail_under(tmp_path):
    out = tmp_path / "results.json"
    result = run_grade(SAMPLES / "recitation5" / "transposed.py", "--rubric", R5, "--format", "json",
                       "--output", out, "--fail-under", "60")
    assert result.returncode == 0 and result.stdout == ""
    document = json.loads(out.read_text())
    assert 60 <= 100 * document["score"] / sum(t["max_score"] for t in document["tests"]) < 100
    again = run_grade(SAMPLES / "recitation5" / "transposed.py", "--rubric", R5, "--fail-under", "90")
    assert again.returncode == 1


def test_terminal_report_is_plain_without_a_tty_and_explains_lost_points():
    result = run_grade(SAMPLES / "ps5" / "missing_sigma_prime.py", "--rubric", PS5, env={"NO_COLOR": "1"})
    assert result.returncode == 1
    text = result.stdout
    assert "\x1b[" not in text
    assert "16 / 22" in text and "Question 2.1" in text
    assert "The σ′ factor z ∘ (1 − z) is missing" in text


def test_student_output_is_shown_capped(write):
    sample = (SAMPLES / "recitation5" / "correct.py").read_text()
    path = write("chatty.py", sample + "\nprint('debugging the forward pass')\n")
    result = run_grade(path, "--rubric", R5)
    assert result.returncode == 0
    assert "your program printed" in result.stdout and "debugging the forward pass" in result.stdout


def test_broken_submissions_are_graded_not_crashed():
    for name, fragment in [("syntax_error.py", "SyntaxError at line 6"),
                           ("import_error.py", "FileNotFoundError"),
                           ("infinite_loop.py", "timed out after 2 s"),
                           ("returns_nan.py", "NaN")]:
        result = run_grade(SAMPLES / "recitation5" / name, "--rubric", R5, timeout=60)
        assert result.returncode == 1, name
        assert fragment in result.stdout, name
        assert "Traceback" not in result.stdout + result.stderr


def test_usage_errors_exit_2_without_traceback(tmp_path):
    missing = run_grade(tmp_path / "nope.py", "--rubric", R5)
    assert missing.returncode == 2 and "submission not found" in missing.stderr
    no_rubric = run_grade(SAMPLES / "ps5" / "correct.py")
    assert no_rubric.returncode == 2 and "--rubric" in no_rubric.stderr
    bad_rubric = run_grade(SAMPLES / "ps5" / "correct.py", "--rubric", tmp_path / "none.yaml")
    assert bad_rubric.returncode == 2 and "no such rubric file" in bad_rubric.stderr
    for result in (missing, no_rubric, bad_rubric):
        assert "Traceback" not in result.stderr


def test_help_and_version():
    assert run_grade("--version").stdout.strip() == f"grade {__version__}"
    help_text = run_grade("--help")
    assert help_text.returncode == 0 and "--rubric" in help_text.stdout and "grade check" in help_text.stdout


@pytest.mark.parametrize("rubric", sorted(RUBRICS.glob("*.yaml")), ids=lambda p: p.stem)
def test_stub_grades_to_zero_without_crashing(tmp_path, rubric):
    stub = tmp_path / "submission.py"
    made = run_grade("stub", "--rubric", rubric, "--output", stub)
    assert made.returncode == 0 and stub.is_file()
    assert "raise NotImplementedError" in stub.read_text()
    again = run_grade("stub", "--rubric", rubric, "--output", stub)
    assert again.returncode == 2 and "not overwriting" in again.stderr
    result, document = grade_json(stub, rubric)
    assert result.returncode == 1 and document["score"] == 0
    assert all(t["score"] == 0 for t in document["tests"])


def test_doctor_lists_the_layers():
    result = run_grade("doctor")
    assert result.returncode == 0
    for layer in ("rlimits", "landlock", "seccomp", "pid namespace"):
        assert layer in result.stdout
