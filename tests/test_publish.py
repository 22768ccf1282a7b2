"""``grade publish``: public rubrics for students, without the answers, for every shipped rubric.

The leak test reads the published folder as a student would hold it and searches it for the
reference's own code (the names it defines beyond the interface, its statements) and for the
reference's outputs on the handout's named cases, allowing only the handout's literals listed here.
"""

from __future__ import annotations

import ast
import importlib.util
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from grader.cases import named_case
from grader.rubric.loader import load_rubric
from grader.rubric.model import ShapeMismatch
from helpers import RUBRICS, SAMPLES, run_grade

pytestmark = pytest.mark.sandbox  # every test runs `grade`

NAMES = ("ps5", "recitation5", "walkthrough", "two_layer", "nn_fun")

# Numbers a public rubric may hold that equal a reference output on a named case: the handout's own
# literals (the values the handout prints and the rubric checks, its intermediate values given as inputs)
# and the small integers every rubric uses for points, shapes and ids.
STRUCTURAL = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
ALLOWED = {
    "ps5": [-121.5, -67.5, -54, 0.5, 5.0625, 13.5],
    "recitation5": [12, 16],
    "walkthrough": [],
    "two_layer": [],
    "nn_fun": [-5, -3, -2, -1, -1.9207573, -1.2641425, -0.0396214, -0.03962137331133815, -0.01320712443711272,
               0.0066929, 0.0066928509242848554, 0.02641424887422544, 0.05282849774845087, 0.1320712,
               0.1320712443711272, 0.986659092404925, 0.9866591],
}
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("public")
    for name in NAMES:
        result = run_grade("publish", RUBRICS / f"{name}.yaml", "-o", folder)
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"wrote {folder / name}.yaml" in result.stdout
    return folder


def reference_module(rubric):
    spec = importlib.util.spec_from_file_location(f"reference_{rubric.name}", rubric.reference)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # the course's trusted code, as the grader's reference process runs it
    return module


def reference_outputs(name: str) -> list[float]:
    """Every number the reference returns on the rubric's named cases, and its constants."""
    rubric = load_rubric(RUBRICS / f"{name}.yaml")
    module = reference_module(rubric)
    values: list[float] = []
    for case_name, case in rubric.cases.items():
        for function in rubric.functions.values():
            if not all(p in case for p in function.param_names):
                continue
            try:
                args = named_case(rubric, function, case_name).args
            except ShapeMismatch:
                continue
            out = getattr(module, function.name)(*[a if a.ndim else float(a) for a in args.values()])
            for item in (out if isinstance(out, tuple) else (out,)):
                values += [float(v) for v in np.ravel(np.asarray(item, dtype=np.float64))]
    for constant in rubric.constants:
        values += [float(v) for v in np.ravel(np.asarray(getattr(module, constant), dtype=np.float64))]
    return values


def leaked_values(name: str, text: str) -> list[str]:
    outputs = reference_outputs(name)
    allowed = STRUCTURAL + ALLOWED[name]
    leaks = []
    for token in _NUMBER.findall(text):
        value = float(token)
        if any(math.isclose(value, v, rel_tol=1e-6, abs_tol=1e-12) for v in outputs) and \
                not any(math.isclose(value, a, rel_tol=1e-9, abs_tol=1e-12) for a in allowed):
            leaks.append(token)
    return leaks


def reference_code(name: str) -> tuple[set[str], list[str]]:
    """The names the reference defines beyond the interface, and its longer statements (whitespace-free)."""
    rubric = load_rubric(RUBRICS / f"{name}.yaml")
    tree = ast.parse(rubric.reference.read_text())
    names = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    names |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    names = {n for n in names - set(rubric.functions) - set(rubric.constants) if "_" in n.strip("_")}
    statements = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for statement in node.body:
                if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                    continue  # a docstring: the interface's own words
                code = "".join(ast.unparse(statement).split())
                if len(code) >= 25:
                    statements.append(code)
    return names, statements


def code_leaks(name: str, text: str) -> list[str]:
    names, statements = reference_code(name)
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    squeezed = "".join(text.split())
    return sorted(names & words) + [s for s in statements if s in squeezed]


def test_the_folder_holds_only_the_public_rubrics(published):
    assert sorted(p.name for p in published.iterdir()) == sorted(f"{n}.yaml" for n in NAMES)
    for name in NAMES:
        document = yaml.safe_load((published / f"{name}.yaml").read_text())
        assert document["public"] is True
        assert not {"reference", "samples"} & set(document)
        assert all("mistakes" not in part for q in document["questions"] for part in q["parts"])
        rubric = load_rubric(published / f"{name}.yaml", use_cache=False)
        assert rubric.public and rubric.reference is None


@pytest.mark.parametrize("name", NAMES)
def test_no_reference_code_in_the_published_folder(published, name):
    text = "\n".join(p.read_text() for p in published.iterdir())
    assert code_leaks(name, text) == []


@pytest.mark.parametrize("name", NAMES)
def test_no_reference_value_beyond_the_handout_literals(published, name):
    assert leaked_values(name, (published / f"{name}.yaml").read_text()) == []


def test_the_leak_checks_find_the_answers_in_a_course_rubric():
    """The checks above are not vacuous: the course's own rubric, which names its mistakes, fails them."""
    assert "gradients_missing_sigma_prime" in code_leaks("ps5", (RUBRICS / "ps5.yaml").read_text())
    reference = (RUBRICS / "ps5_reference.py").read_text()
    assert code_leaks("ps5", reference)
    assert leaked_values("ps5", "dv_dc: 5.0625 and a value no handout prints: -42") == []
    assert leaked_values("ps5", "W: [[0.5, 0.5]], x: -0.25") == []
    name, secret = next((name, v) for name in NAMES for v in reference_outputs(name)
                        if not any(math.isclose(v, a, abs_tol=1e-12) for a in STRUCTURAL + ALLOWED[name]))
    assert leaked_values(name, f"value: {secret!r}") == [repr(secret)]


@pytest.mark.parametrize("name", NAMES)
def test_the_correct_sample_gets_full_marks_of_the_public_parts(published, name):
    result = run_grade(SAMPLES / name / "correct.py", "--rubric", published / f"{name}.yaml", "--format", "markdown")
    assert result.returncode == 0, result.stdout + result.stderr
    heading = result.stdout.splitlines()[0]
    score, maximum = re.search(r": ([\d.]+) / ([\d.]+) \(100\.0%\)$", heading).groups()
    assert score == maximum and float(maximum) > 0
    assert "graded after submission" in result.stdout


def test_a_mistake_loses_public_points(published):
    result = run_grade(SAMPLES / "ps5" / "sign_error.py", "--rubric", published / "ps5.yaml")
    assert result.returncode == 1
    assert "✗ failed" in result.stdout


def test_grade_check_accepts_public_rubrics_without_samples(published):
    result = run_grade("check", "--strict", "--format", "json", published)
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"public": true' in result.stdout and '"samples": []' in result.stdout


def test_hidden_parts_are_listed_never_published(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(RUBRICS / "ps5_reference.py", course)
    text = (RUBRICS / "ps5.yaml").read_text()
    marker = '        title: "z_i = σ(0) = ½"\n'
    assert marker in text
    (course / "ps5.yaml").write_text(text.replace(marker, '        title: "SECRET z_i"\n        visibility: hidden\n'))
    out = tmp_path / "public"
    result = run_grade("publish", course / "ps5.yaml", "-o", out)
    assert result.returncode == 0, result.stderr
    published = (out / "ps5.yaml").read_text()
    document = yaml.safe_load(published)
    assert "SECRET" not in published and document["after_submission"] == ["2.2/a-z"]
    values = [check["value"] for q in document["questions"] for p in q["parts"] for check in p.get("checks", ())
              if "value" in check]
    assert [0.5, 0.5, 0.5, 0.5] not in values and [[0.5, 0.5, 0.5, 0.5]] in values  # a-z's literal, b-W1's
    graded = run_grade(SAMPLES / "ps5" / "correct.py", "--rubric", out / "ps5.yaml")
    assert graded.returncode == 0 and "graded after submission: 2.2/a-z" in graded.stdout


def test_publish_refuses_to_overwrite_the_course(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    for name in ("ps5.yaml", "ps5_reference.py"):
        shutil.copy(RUBRICS / name, course)
    into_course = run_grade("publish", course / "ps5.yaml", "-o", course)
    assert into_course.returncode == 2 and "publish into a folder of its own" in into_course.stderr
    other = tmp_path / "public"
    other.mkdir()
    (other / "ps5.yaml").write_text("my notes\n")
    over_a_file = run_grade("publish", course / "ps5.yaml", "-o", other)
    assert over_a_file.returncode == 2 and "not overwriting it" in over_a_file.stderr
    assert (other / "ps5.yaml").read_text() == "my notes\n"
    (other / "ps5.yaml").unlink()
    assert run_grade("publish", course / "ps5.yaml", "-o", other).returncode == 0
    again = run_grade("publish", other / "ps5.yaml", "-o", tmp_path / "again")
    assert again.returncode == 2 and "already a public rubric" in again.stderr


def test_publish_keeps_nothing_when_the_reference_fails_the_public_rubric(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(RUBRICS / "ps5_reference.py", course)
    text = (RUBRICS / "ps5.yaml").read_text()
    assert "- value: 5.0625" in text
    (course / "ps5.yaml").write_text(text.replace("- value: 5.0625", "- value: 5.5"))
    result = run_grade("publish", course / "ps5.yaml", "-o", tmp_path / "public")
    assert result.returncode == 1
    assert "the reference loses points on 1/c with the public rubric" in result.stderr
    assert not (tmp_path / "public" / "ps5.yaml").exists()
