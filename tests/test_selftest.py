"""``grade check``: the course repo's self-test."""

from __future__ import annotations

import shutil

import pytest
import yaml

from helpers import RUBRICS, SAMPLES, run_grade

pytestmark = pytest.mark.sandbox  # every test runs `grade check`


@pytest.fixture
def course(tmp_path):
    """A copy of the recitation5 rubric, reference and samples laid out as a course repo."""
    (tmp_path / "rubrics").mkdir()
    for name in ("recitation5.yaml", "recitation5_reference.py"):
        shutil.copy(RUBRICS / name, tmp_path / "rubrics" / name)
    samples = tmp_path / "sample_submissions" / "recitation5"
    samples.mkdir(parents=True)
    keep = {k: v for k, v in yaml.safe_load((SAMPLES / "recitation5" / "expected.yaml").read_text()).items()
            if k in ("correct.py", "sign_error.py", "transposed.py")}
    for name in keep:  # every sample in a samples folder must be declared: copy only the declared ones
        shutil.copy(SAMPLES / "recitation5" / name, samples / name)
    (samples / "expected.yaml").write_text(yaml.safe_dump(keep, allow_unicode=True))
    return tmp_path


def test_shipped_rubrics_pass_their_self_test():
    result = run_grade("check", "--strict", "rubrics", timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 failed" in result.stdout and "(reference)" in result.stdout


def test_self_test_of_a_course_copy_passes(course):
    result = run_grade("check", course / "rubrics")
    assert result.returncode == 0, result.stdout
    assert "4 passed, 0 failed" in result.stdout


def test_an_edited_expected_score_makes_it_fail(course):
    expected = course / "sample_submissions" / "recitation5" / "expected.yaml"
    data = yaml.safe_load(expected.read_text())
    data["sign_error.py"]["scores"]["4/2a"] = 1
    expected.write_text(yaml.safe_dump(data, allow_unicode=True))
    result = run_grade("check", course / "rubrics" / "recitation5.yaml")
    assert result.returncode == 1
    assert "sign_error.py: 4/2a: scored 0, expected 1" in " ".join(result.stdout.split())


def test_a_wrong_declared_diagnosis_makes_it_fail(course):
    expected = course / "sample_submissions" / "recitation5" / "expected.yaml"
    data = yaml.safe_load(expected.read_text())
    data["transposed.py"]["diagnoses"]["1/6"] = "sign_flipped"
    expected.write_text(yaml.safe_dump(data, allow_unicode=True))
    result = run_grade("check", course / "rubrics")
    assert result.returncode == 1
    assert "diagnosis transposed, expected sign_flipped" in " ".join(result.stdout.split())


def test_a_reference_that_is_not_full_marks_fails(course):
    reference = course / "rubrics" / "recitation5_reference.py"
    reference.write_text(reference.read_text().replace("return A.T.copy()", "return A.copy()"))
    result = run_grade("check", course / "rubrics")
    assert result.returncode == 1
    assert "(reference)" in result.stdout


def test_an_invalid_rubric_exits_2(course):
    rubric = course / "rubrics" / "recitation5.yaml"
    rubric.write_text(rubric.read_text().replace("seed: 20241011", "seed: soon"))
    result = run_grade("check", course / "rubrics")
    assert result.returncode == 2
    assert "seed: expected an integer" in result.stdout
