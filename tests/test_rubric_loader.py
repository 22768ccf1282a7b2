"""Loading rubrics: the shipped ones load, and every malformed one gets a located one-line error."""

from __future__ import annotations

import shutil

import pytest

from grader.rubric.errors import RubricError
from grader.rubric.loader import load_rubric
from grader.rubric.model import DimExpr, Shape

from helpers import RUBRICS, run_grade

GOOD = """\
title: Tiny
reference: ref.py
seed: 1
dimensions:
  d: [2, 4]
interface:
  functions:
    double:
      params:
        x: {shape: [d]}
      returns:
        y: {shape: [d]}
cases:
  handout:
    x: [1, 2]
questions:
  - id: "1"
    title: Doubling
    parts:
      - id: a
        title: y = 2x
        points: 2
        call: double
        case: handout
        checks:
          - shape: [d]
          - value: [2, 4]
          - reference: {random: 3}
"""


@pytest.fixture
def rubric_file(tmp_path):
    (tmp_path / "ref.py").write_text("def double(x):\n    return 2 * x\n")

    def make(text: str):
        path = tmp_path / "r.yaml"
        path.write_text(text)
        return path

    return make


def error_of(path) -> RubricError:
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    return info.value


@pytest.mark.parametrize("name", sorted(p.name for p in RUBRICS.glob("*.yaml")))
def test_shipped_rubrics_load(name):
    rubric = load_rubric(RUBRICS / name)
    assert rubric.points > 0
    assert rubric.reference.is_file()


def test_good_rubric_builds_the_model(rubric_file):
    rubric = load_rubric(rubric_file(GOOD))
    (question, part), = rubric.parts()
    assert part.points == 2 and part.target.name == "double"
    assert [type(c).__name__ for c in part.checks] == ["ShapeCheck", "ValueCheck", "ReferenceCheck"]
    assert part.checks[2].random == 3 and part.checks[2].cases == ("handout",)


def test_yaml_syntax_error_names_the_line(rubric_file):
    error = error_of(rubric_file(GOOD.replace("  d: [2, 4]", "  d: [2, 4")))
    assert error.line in (5, 6)
    assert "invalid YAML" in str(error)


def test_wrong_type_names_line_and_key_path(rubric_file):
    error = error_of(rubric_file(GOOD.replace("points: 2", "points: two")))
    assert str(error).endswith("questions[0].parts[0].points: expected a number, got 'two'")
    assert error.line == 22


def test_missing_key(rubric_file):
    error = error_of(rubric_file(GOOD.replace("        points: 2\n", "")))
    assert "questions[0].parts[0]" in str(error) and "missing required key 'points'" in str(error)


def test_unknown_key_points_at_the_key(rubric_file):
    error = error_of(rubric_file(GOOD.replace("        points: 2\n", "        points: 2\n        pionts: 3\n")))
    assert error.line == 23
    assert "unknown key 'pionts'" in str(error)


def test_unknown_function(rubric_file):
    error = error_of(rubric_file(GOOD.replace("call: double", "call: triple")))
    assert "'triple' is not a function of the interface" in str(error)
    assert error.key_path[-1] == "call"


def test_case_that_does_not_fit_the_declared_shape(rubric_file):
    error = error_of(rubric_file(GOOD.replace("x: [1, 2]", "x: [[1, 2]]")))
    assert "cases.handout" in str(error) and "declared (d,)" in str(error)


def test_unknown_dimension(rubric_file):
    error = error_of(rubric_file(GOOD.replace("- shape: [d]", "- shape: [q]")))
    assert "unknown dimension 'q'" in str(error)


def test_missing_reference_file(rubric_file):
    error = error_of(rubric_file(GOOD.replace("reference: ref.py", "reference: nope.py")))
    assert "reference implementation not found" in str(error) and error.line == 2


def test_claim_cross_references_are_checked(rubric_file):
    text = GOOD.replace("""        call: double
        case: handout
        checks:
          - shape: [d]
          - value: [2, 4]
          - reference: {random: 3}
""", """        claim: {kind: gradient_shapes, call: double, outputs: {x: dx}}
""")
    error = error_of(rubric_file(text))
    assert "double() returns no 'dx'" in str(error)


def test_dimension_expressions():
    shape = Shape.parse(["h", "d+1", 3, "n - 2"])
    assert shape.resolve({"h": 4, "d": 2, "n": 5}) == (4, 3, 3, 3)
    assert str(shape) == "(h, d+1, 3, n-2)"
    assert DimExpr.parse("d") == DimExpr("d", 0)


@pytest.mark.sandbox  # runs the CLI
@pytest.mark.parametrize("edit, fragment", [
    ("  d: [2, 4", "invalid YAML"),
    ("points: two", "expected a number"),
    ("call: triple", "is not a function"),
])
def test_cli_reports_a_broken_rubric_in_one_line_with_exit_2(tmp_path, edit, fragment):
    shutil.copy(RUBRICS / "recitation5_reference.py", tmp_path / "ref.py")
    (tmp_path / "ref.py").write_text("def double(x):\n    return 2 * x\n")
    original = {"  d: [2, 4": "  d: [2, 4]", "points: two": "points: 2", "call: triple": "call: double"}[edit]
    rubric = tmp_path / "broken.yaml"
    rubric.write_text(GOOD.replace(original, edit))
    submission = tmp_path / "s.py"
    submission.write_text("def double(x):\n    return 2 * x\n")
    result = run_grade(submission, "--rubric", rubric)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith(f"grade: error: {rubric}:") and fragment in lines[0]
