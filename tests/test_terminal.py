"""What people read: the terminal report at any width and through pipes, collapsed call failures, the
program-output rule in text and Gradescope JSON, readable sizes, clean help (unit tests first, then the CLI)."""

from __future__ import annotations

import io
import json
import re

import pytest
from rich.console import Console

from grader.commands import plain_help
from grader.report.audience import Audience, audience_view
from grader.report.gradescope import to_gradescope
from grader.report.printed import SHOWN_CHARS, SHOWN_LINES, shown_output
from grader.report.terminal import render
from grader.results import CheckResult, Finding, GradeResult, PartResult, QuestionResult
from grader.sandbox.limits import readable_bytes

from helpers import RUBRICS, SAMPLES, run_grade

PATH = "/tmp/a_course/with_a_rather_long_folder_name/and_deeper_still/student_submission_number_42.py"
ERROR = "forward() raised NotImplementedError"
CAUSE = ("σ′ is missing: the path goes through a sigmoid, so the chain rule multiplies by its derivative, "
         "σ′(a) = σ(a)(1 − σ(a)), i.e. z(1 − z) with z = σ(a).")


def stub_part(part_id: str, visibility: str = "visible") -> PartResult:
    check = CheckResult("reference", 0, 1, f"wrong on 21 of 21 case(s); first: random #1 (d=2): {ERROR}",
                        ("line 43, in forward: raise NotImplementedError",), error=ERROR)
    return PartResult("2", part_id, f"part {part_id}", 1, 0, (check,), visibility)


def wrong_part() -> PartResult:
    check = CheckResult("reference", 0, 1, "wrong on 20 of 20 case(s); first: random #1 (d=2, h=6): 12 of 12 "
                        "entries differ; largest error 1.68 at index (3, 1) (got -1.71494, expected -0.0331049)",
                        ("inputs: W0=[[-0.93483, 0.37559], [-2.33902, 0.8206…, b0=[-0.12258, …]",),
                        Finding("activation_derivative_missing", CAUSE))
    return PartResult("1", "d-W0", "∂y/∂W⁽⁰⁾ = [W⁽¹⁾ ∘ z ∘ (1 − z)] xᵀ, shape h×d", 2, 0, (check,))


def result(*parts: PartResult, stdout: str = "") -> GradeResult:
    questions = {}
    for part in parts:
        questions.setdefault(part.question_id, []).append(part)
    return GradeResult(PATH, "rubrics/ps5.yaml", "Problem Set 5: Backpropagation",
                       tuple(QuestionResult(q, f"Question {q}", tuple(ps)) for q, ps in questions.items()),
                       stdout=stdout)


def text_at(width: int, graded: GradeResult, audience: Audience = Audience.STUDENT) -> str:
    stream = io.StringIO()  # not a terminal: what a pipe or a file gets
    render(graded, Console(file=stream, width=width, color_system=None), audience)
    return stream.getvalue()


@pytest.mark.parametrize("width", [60, 80])
def test_wrapped_explanations_keep_their_indentation_and_paths_are_never_cut(width):
    text = text_at(width, result(wrong_part()))
    lines = text.splitlines()
    assert any(line == f"  submission  {PATH}" for line in lines)  # whole, on one line, however narrow
    start = next(i for i, line in enumerate(lines) if line.startswith("✗ 1 (d-W0)"))
    explanation = lines[start + 1:]
    assert explanation and all(line.startswith("    ") for line in explanation if line)
    assert all(len(line) <= width for line in explanation)
    assert "likely cause: σ′ is missing" in " ".join(line.strip() for line in explanation)
    assert "z(1 − z) with z = σ(a)." in " ".join(line.strip() for line in explanation)  # wrapped, not cut
    assert not re.search(r"[ \t]$", text, re.MULTILINE)


def test_identical_call_failures_collapse_into_one_line_per_function():
    graded = result(*(stub_part(p) for p in ("a-z", "a-y", "b-W1", "c", "d-W0")))
    text = text_at(80, graded)
    assert text.count(ERROR) == 1
    assert f"✗ {ERROR}: parts 2 (a-z, a-y, b-W1, c, d-W0)" in text
    assert text.count("line 43, in forward") == 1
    assert "inputs:" not in text
    single = " ".join(text_at(80, result(stub_part("a-z"))).split())
    assert "✗ 2 (a-z) part a-z" in single and ERROR in single  # one part: its own explanation, as usual


def test_the_program_output_rule_is_the_same_in_text_and_json():
    printed = "\n".join(f"debug {k}" for k in range(SHOWN_LINES + 5))
    visible = result(wrong_part(), stdout=printed)
    text = text_at(80, visible)
    output = to_gradescope(visible)["output"]
    for shown in (text, output):
        assert "debug 0" in shown and f"debug {SHOWN_LINES - 1}" in shown and f"debug {SHOWN_LINES}" not in shown
        assert "… 5 more lines" in shown
    assert output.index("Your program printed:") > output.index("Problem Set 5")  # its own section, after the grade
    assert "inputs:" not in output  # a case's inputs go with its part's reasons, never into the program's output

    hidden = result(wrong_part(), stub_part("z", "hidden"), stdout="W = [[0.3, 0.1]]\n")
    for shown in (text_at(80, hidden), to_gradescope(hidden)["output"]):
        assert "W = [[0.3" not in shown
        assert "printed 1 line; they are shown once every part is released" in shown
    assert "W = [[0.3" in text_at(80, hidden, Audience.STAFF)


def test_output_is_capped_in_characters_too():
    long_line = "x" * (3 * SHOWN_CHARS)
    assert len(shown_output(long_line)) <= SHOWN_CHARS
    assert shown_output("  \n") == "" and shown_output("one\n") == "one"
    view = audience_view(result(wrong_part(), stdout=long_line))
    assert len(view.result.stdout) <= SHOWN_CHARS


def test_sizes_read_as_people_write_them():
    assert [readable_bytes(n) for n in (1, 512, 1536, 64 << 20, 2 << 30)] == \
        ["1 byte", "512 bytes", "1.5 KiB", "64 MiB", "2 GiB"]


def test_help_markup_is_removed():
    assert plain_help("``grade check``: parts not `visible`") == "grade check: parts not 'visible'"


# -- through the CLI ------------------------------------------------------------------------------


@pytest.mark.sandbox
@pytest.mark.parametrize("columns", ["60", "80"])
def test_grading_the_stub_reads_well_in_a_pipe(tmp_path, columns):
    stub = tmp_path / "submission.py"
    assert run_grade("stub", "--rubric", RUBRICS / "ps5.yaml", "--output", stub).returncode == 0
    graded = run_grade(stub, "--rubric", RUBRICS / "ps5.yaml", env={"COLUMNS": columns, "NO_COLOR": "1"})
    assert graded.returncode == 1
    lines = graded.stdout.splitlines()
    assert len(lines) < 70, graded.stdout  # it was ~180 lines of the same error
    for function in ("partials", "forward", "gradients"):
        assert graded.stdout.count(f"{function}() raised NotImplementedError") == 1, function
    assert f"  submission  {stub}" in lines
    assert not any(line != line.rstrip() for line in lines)
    body = [line for line in lines if not line.startswith(("  submission", "  rubric"))]
    assert all(len(line) <= int(columns) for line in body)


@pytest.mark.sandbox
def test_a_wrong_sample_in_json_carries_its_mutant_diagnosis_and_no_inputs_at_top_level():
    result = run_grade(SAMPLES / "ps5" / "diag_sigma_prime_of_preactivation_loops.py", "--rubric",
                       RUBRICS / "ps5.yaml", "--format", "json")
    document = json.loads(result.stdout)
    tests = {t["number"]: t for t in document["tests"]}
    assert tests["2.1.d-W0"]["extra_data"]["diagnoses"] == ["sigma_prime_of_preactivation"]
    assert "pre-activation" in tests["2.1.d-W0"]["output"] and "inputs: " in tests["2.1.d-W0"]["output"]
    assert "inputs:" not in document["output"]


@pytest.mark.sandbox
def test_doctor_shows_readable_sizes_and_every_help_is_clean():
    doctor = run_grade("doctor", env={"COLUMNS": "100"})
    assert doctor.returncode == 0
    assert not re.search(r"\d{6,} ?-?bytes?", doctor.stdout) and "GiB" in doctor.stdout
    assert not any(line != line.rstrip() for line in doctor.stdout.splitlines())
    main = run_grade("--help")
    for status in ("0  ", "1  ", "2  ", "3  ", "128+N"):
        assert f"\n  {status}" in main.stdout
    for command in ("check", "stub", "doctor", "batch", "override", "publish", "gradescope", "grade"):
        shown = run_grade(command, "--help")
        assert shown.returncode == 0 and "`" not in shown.stdout, command
