"""``grade check`` as a CI gate: nothing on disk goes unchecked, and CI gets JUnit, JSON and annotations."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import xmlschema
import yaml

from helpers import RUBRICS, SAMPLES, run_grade
from test_ci_cli import github_env
from test_ci_reports import parse_command, runner_commands

pytestmark = pytest.mark.sandbox  # every test runs `grade check`

XSD = xmlschema.XMLSchema(str(Path(__file__).parent / "schemas" / "junit-10.xsd"))
KEPT = ("correct.py", "sign_error.py")


@pytest.fixture
def course(tmp_path):
    """A course repo: the ps5 rubric and reference, and two samples, both declared."""
    (tmp_path / "rubrics").mkdir()
    for name in ("ps5.yaml", "ps5_reference.py"):
        shutil.copy(RUBRICS / name, tmp_path / "rubrics" / name)
    samples = tmp_path / "sample_submissions" / "ps5"
    samples.mkdir(parents=True)
    declared = yaml.safe_load((SAMPLES / "ps5" / "expected.yaml").read_text())
    for name in KEPT:
        shutil.copy(SAMPLES / "ps5" / name, samples / name)
    (samples / "expected.yaml").write_text(yaml.safe_dump({k: declared[k] for k in KEPT}, allow_unicode=True))
    return tmp_path


def check(course: Path, *args: str, env: dict | None = None):
    return run_grade("check", *args, course / "rubrics", env=env)


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_a_course_with_every_sample_declared_passes_strict(course):
    result = check(course, "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed, 0 failed" in result.stdout


def test_an_undeclared_sample_fails_naming_it(course):
    extra = course / "sample_submissions" / "ps5" / "also_wrong.py"
    shutil.copy(SAMPLES / "ps5" / "transposed.py", extra)
    for args in ((), ("--strict",)):
        result = check(course, *args)
        assert result.returncode == 1, result.stdout
        assert f"{extra}: sample also_wrong.py (file) is not declared in expected.yaml" in one_line(result.stdout)


def test_a_declared_sample_that_is_missing_fails(course):
    (course / "sample_submissions" / "ps5" / "sign_error.py").unlink()
    result = check(course)
    assert result.returncode == 1
    assert "declared sample sign_error.py does not exist" in one_line(result.stdout)


def test_a_missing_samples_folder_warns_and_fails_under_strict(course):
    shutil.rmtree(course / "sample_submissions")
    relaxed = check(course)
    assert relaxed.returncode == 0 and "warning:" in relaxed.stdout and "no samples folder" in relaxed.stdout
    strict = check(course, "--strict")
    assert strict.returncode == 1
    assert f"no samples folder: {(course / 'sample_submissions' / 'ps5').resolve()} does not exist" in \
        one_line(strict.stdout)


def test_a_misspelled_expected_yaml_warns_and_fails_under_strict(course):
    folder = course / "sample_submissions" / "ps5"
    (folder / "expected.yaml").rename(folder / "expected.yml")
    relaxed = check(course)
    assert relaxed.returncode == 0 and "expected.yml is not read: name it expected.yaml" in one_line(relaxed.stdout)
    strict = check(course, "--strict")
    assert strict.returncode == 1
    assert f"{folder / 'expected.yml'}: no expected.yaml in {folder.resolve()} (expected.yml is not read" in \
        one_line(strict.stdout)


def test_a_second_expectations_file_beside_expected_yaml_is_named(course):
    folder = course / "sample_submissions" / "ps5"
    (folder / "Expected.yaml").write_text("transposed.py: {}\n")
    result = check(course, "--strict")
    assert result.returncode == 1
    assert "Expected.yaml is not read (only expected.yaml is)" in one_line(result.stdout)


def test_a_multi_file_sample_is_one_sample_and_its_helpers_are_not_samples(course):
    folder = course / "sample_submissions" / "ps5" / "split_in_two"
    folder.mkdir()
    source = (SAMPLES / "ps5" / "correct.py").read_text()
    (folder / "helpers.py").write_text("import numpy as np\n\n\ndef sigmoid(s):\n    return 1 / (1 + np.exp(-s))\n")
    (folder / "main.py").write_text(source.replace("def sigmoid(s):\n    return 1 / (1 + np.exp(-s))\n",
                                                   "from helpers import sigmoid\n"))
    undeclared = check(course, "--strict")
    assert undeclared.returncode == 1
    assert "sample split_in_two (folder) is not declared" in one_line(undeclared.stdout)
    assert "helpers.py" not in undeclared.stdout and "main.py" not in undeclared.stdout
    expected = course / "sample_submissions" / "ps5" / "expected.yaml"
    expected.write_text(expected.read_text() + "split_in_two/: {entry: main.py}\n")
    declared = check(course, "--strict")
    assert declared.returncode == 0, declared.stdout
    assert "split_in_two" in declared.stdout and "4 passed, 0 failed" in declared.stdout


def test_json_report_with_lint_warnings(course):
    rubric = course / "rubrics" / "ps5.yaml"
    rubric.write_text(rubric.read_text().replace("  l: [2, 6]\n", "  l: [2, 6]\n  k: [1, 3]\n"))
    result = check(course, "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["format"] == "grader.check/1" and report["ok"] is True
    (ps5,) = report["rubrics"]
    rules = {f["rule"] for f in ps5["findings"]}
    assert {"unused-dimension", "no-control"} <= rules
    unused = next(f for f in ps5["findings"] if f["rule"] == "unused-dimension")
    assert unused["severity"] == "warning" and unused["key_path"] == "dimensions.k" and unused["line"]
    assert [s["name"] for s in ps5["samples"]] == ["(reference)", *KEPT]


def test_junit_report_validates_and_fails_on_a_mismatch(course, tmp_path):
    expected = course / "sample_submissions" / "ps5" / "expected.yaml"
    data = yaml.safe_load(expected.read_text())
    data["sign_error.py"]["scores"]["1/x"] = 1
    expected.write_text(yaml.safe_dump(data, allow_unicode=True))
    out = tmp_path / "check.xml"
    result = check(course, "--format", "junit", "-o", str(out))
    assert result.returncode == 1 and result.stdout == ""
    XSD.validate(str(out))
    suite = XSD.to_dict(str(out))["testsuite"][0]
    failing = [c for c in suite["testcase"] if "failure" in c]
    assert [c["@name"] for c in failing] == ["sign_error.py scores as declared"]
    assert "1/x: scored 0, expected 1" in failing[0]["failure"][0]["@message"]


def test_in_github_actions_problems_are_annotated_at_their_files(course, tmp_path):
    shutil.copy(SAMPLES / "ps5" / "transposed.py", course / "sample_submissions" / "ps5" / "undeclared.py")
    env = github_env(tmp_path) | {"GITHUB_WORKSPACE": str(course)}
    result = check(course, "--strict", env=env)
    assert result.returncode == 1
    commands = [parse_command(line) for line in runner_commands(result.stdout)]
    errors = [(props["file"], message) for name, props, message in commands if name == "error"]
    assert ("sample_submissions/ps5/undeclared.py",
            "sample undeclared.py (file) is not declared in expected.yaml: declare its scores (`undeclared.py: {}` "
            f"for full marks) or move it out of {(course / 'sample_submissions' / 'ps5').resolve()}") in errors
    assert any(name == "warning" and props["file"] == "rubrics/ps5.yaml" for name, props, _ in commands)
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("## ❌ grade check") and "undeclared.py" in summary


def test_an_invalid_rubric_exits_2_and_the_others_are_still_checked(course):
    shutil.copy(course / "rubrics" / "ps5.yaml", course / "rubrics" / "broken.yaml")
    (course / "rubrics" / "broken.yaml").write_text("title: x\n")
    result = check(course, "--format", "json")
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert [r["name"] for r in report["rubrics"]] == ["broken", "ps5"]
    assert "missing required key" in report["rubrics"][0]["error"]
    assert len(report["rubrics"][1]["samples"]) == 3
