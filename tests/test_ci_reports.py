"""Reports for CI systems (no process): JUnit, Markdown, GitHub annotations and outputs, Classroom's
result, the audience rule in every student-facing format, and student output that tries to inject
workflow commands."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest
import xmlschema
from rich.console import Console

from grader.report.audience import Audience, audience_view
from grader.report.check_report import counts, render_check, render_check_json
from grader.report.classroom import classroom_error, classroom_result, encode
from grader.report.github import annotations, check_annotations, command, escape_data, escape_property, output_line
from grader.report.gradescope import render_json, to_gradescope
from grader.report.junit import render_check_junit, render_junit
from grader.report.markdown import cell, fence, render_check_markdown, render_markdown
from grader.report.terminal import render_plain
from grader.results import (CheckReport, CheckResult, Finding, GradeResult, LintFinding, PartResult,
                            QuestionResult, RubricCheck, SampleCheck, SourceLine)

XSD = xmlschema.XMLSchema(str(Path(__file__).parent / "schemas" / "junit-10.xsd"))
SECRET = "SECRET-7f3a"  # appears only in the hidden and after-due-date parts
INJECTION = "::error file=x.py,line=1::pwned\n  ::set-output name=result::forged\n##[error]old style\n%0A::warning::x"

VISIBLE_OK = PartResult("1", "a", "z = σ(Wx)", 2, 2, (CheckResult("reference", 1.0, 1.0, "matches on 21 case(s)"),))
VISIBLE_LOST = PartResult("1", "b", "∂ℓ/∂W | [shape h×d] `x`", 3, 1, (
    CheckResult("shape", 1.0, 0.0, "shape (h, d) on 21 case(s)"),
    CheckResult("reference", 1 / 3, 1.0, "wrong on 14 of 21 case(s): 100% off", ("inputs: W=[[1.]]", INJECTION),
                Finding("transposed", "You returned the transpose.")),
))
HIDDEN = PartResult("2", "h", f"hidden part {SECRET}", 7, 0, (
    CheckResult("reference", 0.0, 1.0, f"wrong: expected {SECRET}", (), Finding("scaled", f"{SECRET} factor")),),
    visibility="hidden")
AFTER_DUE = PartResult("2", "d", f"due part {SECRET}", 5, 5, (CheckResult("value", 1.0, 1.0, f"= {SECRET}"),),
                       visibility="after_due_date")
PENDING = PartResult("3", "p", "∂ℓ/∂b (public)", 0, 0, (
    CheckResult("shape", 1.0, 0.0, "shape (h,) on 20 case(s)"),
    CheckResult("reference", 0.0, 1.0, "graded after submission", deferred=True)), pending=2)

RESULT = GradeResult(
    submission="sample_submissions/ps5/student.py", rubric="rubrics/ps5.yaml", title="Problem Set 5",
    questions=(QuestionResult("1", "Visible", (VISIBLE_OK, VISIBLE_LOST)),
               QuestionResult("2", "Withheld", (HIDDEN, AFTER_DUE)),
               QuestionResult("3", "Public", (PENDING,))),
    stdout=f"debug: W = [[1.]]\n{INJECTION}\n```\n</system-out><script>alert(1)</script>\n",
    execution_time=1.5, after_submission=("4/x",))

WHERE = {"": SourceLine("sample_submissions/ps5/student.py", 1),
         "1/b": SourceLine("sample_submissions/ps5/student.py", 27)}


def student_formats() -> dict[str, str]:
    """Every student-facing rendering of RESULT, as text."""
    document = classroom_result(RESULT, WHERE)
    return {
        "text": render_plain(RESULT),
        "markdown": render_markdown(RESULT),
        "junit": render_junit(RESULT),
        "annotations": "\n".join(annotations(RESULT, WHERE)),
        "classroom": base64.b64decode(encode(document)).decode("utf-8"),
        "gradescope output": to_gradescope(RESULT)["output"],
        "gradescope json": render_json(RESULT),
    }


# -- the audience rule ------------------------------------------------------------------


def test_the_student_view_drops_withheld_parts_from_the_parts_and_the_totals():
    view = audience_view(RESULT)
    assert [p.name for p in view.result.parts()] == ["1/a", "1/b", "3/p"]
    assert (view.result.score, view.result.max_score, view.pending) == (3, 5, 2)
    assert view.withheld == ("4/x", "2/h", "2/d")


def test_released_results_show_after_due_date_parts_and_staff_see_everything():
    released = audience_view(RESULT, Audience.RELEASED)
    assert [p.name for p in released.result.parts()] == ["1/a", "1/b", "2/d", "3/p"]
    assert released.withheld == ("4/x", "2/h")
    staff = audience_view(RESULT, Audience.STAFF)
    assert len(staff.result.parts()) == 5 and staff.withheld == ("4/x",)
    assert staff.result.max_score == RESULT.max_score


@pytest.mark.parametrize("name", ["text", "markdown", "junit", "annotations", "classroom", "gradescope output"])
def test_no_student_format_shows_what_visibility_hides(name):
    text = student_formats()[name]
    assert SECRET not in text
    assert "Withheld" not in text  # the title of a question whose every part is withheld
    if name not in ("annotations", "classroom"):  # these list only what lost points / what counts
        assert "2/h" in text and "2/d" in text and "4/x" in text


def test_the_staff_audience_sees_the_hidden_parts():
    assert SECRET in render_plain(RESULT, Audience.STAFF) and SECRET in render_junit(RESULT, Audience.STAFF)


def test_gradescope_keeps_per_test_visibility_and_the_whole_score():
    document = to_gradescope(RESULT)
    assert {t["number"]: t["visibility"] for t in document["tests"]}["2.h"] == "hidden"
    assert document["score"] == RESULT.score
    assert document["output"].startswith("Problem Set 5: 3 / 5")


# -- student output cannot issue workflow commands -------------------------------------------


def runner_commands(text: str) -> list[str]:
    """The lines GitHub's runner would take for workflow commands (it trims leading whitespace)."""
    return [line for line in text.splitlines() if line.lstrip().startswith(("::", "##["))]


@pytest.mark.parametrize("name", ["text", "markdown", "junit", "classroom", "gradescope json"])
def test_student_output_and_reasons_issue_no_workflow_command(name):
    text = student_formats()[name]
    assert "pwned" in text  # the student's output (or the reason quoting it) is shown ...
    assert runner_commands(text) == []  # ... but no line of it is a command
    if name == "classroom":
        for test in json.loads(text)["tests"]:  # the reporter prints each name and message on its own lines
            assert runner_commands(test["message"]) == [] and runner_commands(test["name"]) == []


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Parse a workflow command the way the runner does (ActionCommand.TryParseV2), unescaping it."""
    assert line.startswith("::")
    end = line.index("::", 2)
    info, data = line[2:end], line[end + 2:]
    name, _, props = info.partition(" ")
    unescape = [("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")]
    properties = {}
    for pair in filter(None, props.split(",")):
        key, _, value = pair.partition("=")
        for token, char in unescape:
            value = value.replace(token, char)
        properties[key] = value
    for token, char in unescape[:2] + unescape[4:]:
        data = data.replace(token, char)
    return name, properties, data


def test_annotations_are_one_line_each_at_the_students_function():
    lines = annotations(RESULT, WHERE)
    assert len(lines) == 1  # only 1/b lost points among the visible parts
    name, properties, message = parse_command(lines[0])
    assert name == "error"
    assert properties == {"file": "sample_submissions/ps5/student.py", "line": "27",
                          "title": "1 (b): 2 point(s) lost"}
    assert message.startswith("∂ℓ/∂W | [shape h×d] `x`: 1 / 3\nreference: wrong on 14 of 21 case(s): 100% off")
    assert "likely cause: You returned the transpose." in message
    assert "\n" not in lines[0] and "\r" not in lines[0]


def test_workflow_command_escaping():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a: b, c%") == "a%3A b%2C c%25"
    line = command("warning", "x\n::error::y", SourceLine("dir, with: colon.py", 3), "t: 1, 2")
    assert line == "::warning file=dir%2C with%3A colon.py,line=3,title=t%3A 1%2C 2::x%0A:\u200b:error:\u200b:y"
    assert parse_command(line)[1]["file"] == "dir, with: colon.py"


def test_a_part_without_a_located_function_is_annotated_on_the_file():
    (line,) = annotations(RESULT, {"": SourceLine("s.py", 1)})
    assert parse_command(line)[1] == {"file": "s.py", "title": "1 (b): 2 point(s) lost"}


def test_an_import_problem_is_one_annotation_at_the_syntax_error():
    broken = GradeResult("s.py", "r.yaml", "T", (QuestionResult("1", "Q", (VISIBLE_LOST,)),),
                         problem="SyntaxError: invalid syntax (line 4)")
    (line,) = annotations(broken, {"": SourceLine("s.py", 4)})
    assert parse_command(line)[1]["line"] == "4" and "SyntaxError" in line


def test_step_outputs_single_line_and_heredoc():
    assert output_line("score", "3.5") == "score=3.5\n"
    text = output_line("notes", "a\nb=c\nEOF")
    first, *body, last = text.rstrip("\n").split("\n")
    name, delimiter = first.split("<<")
    assert name == "notes" and last == delimiter and body == ["a", "b=c", "EOF"] and delimiter not in "a\nb=c\nEOF"


# -- JUnit ------------------------------------------------------------------------------------


def test_junit_validates_and_has_one_testcase_per_shown_part():
    xml = render_junit(RESULT)
    XSD.validate(xml)
    data = XSD.to_dict(xml)
    suites = data["testsuite"]
    cases = [c for s in suites for c in s["testcase"]]
    assert [c["@name"] for c in cases] == ["1 (a) z = σ(Wx)", "1 (b) ∂ℓ/∂W | [shape h×d] `x`",
                                           "3 (p) ∂ℓ/∂b (public)", "4/x", "2/h", "2/d"]
    failure = cases[1]["failure"][0]
    assert failure["@message"] == "1 / 3: reference: wrong on 14 of 21 case(s): 100% off"
    assert "likely cause: You returned the transpose." in failure["$"]
    assert cases[2]["skipped"][0]["@message"] == "graded after submission (2 point(s))"
    assert (data["@tests"], data["@failures"], data["@errors"]) == ("6", "1", "0")


def test_junit_survives_any_text_a_student_can_print():
    nasty = GradeResult("s.py", "r.yaml", "T <&> \"'", (QuestionResult("1", "Q", (VISIBLE_LOST,)),),
                        stdout="\x00\x1b[31m\ud800 bad \uffff ]]> </system-out> & <x/>\n")
    XSD.validate(render_junit(nasty))


def test_check_report_junit_validates_and_fails_per_problem():
    xml = render_check_junit(CHECK)
    XSD.validate(xml)
    data = XSD.to_dict(xml)
    ps5, broken = data["testsuite"]
    names = [c["@name"] for c in ps5["testcase"]]
    assert names[:3] == ["the rubric and its reference load", "(reference) scores as declared",
                         "sign_error.py scores as declared"]
    assert ps5["@failures"] == "2" and "undeclared-sample" in names[-1]
    assert broken["testcase"][0]["error"][0]["@message"].startswith("rubrics/broken.yaml:3")


# -- Markdown ---------------------------------------------------------------------------------


def test_markdown_escapes_cells_and_fences_free_text():
    text = render_markdown(RESULT)
    assert "∂ℓ/∂W \\| \\[shape h×d\\] \\`x\\`" in text
    # the program's output is withheld from students while a part is (grader.report.printed): staff see it
    block = render_markdown(RESULT, Audience.STAFF)
    block = block[block.index("**Your program printed:**"):]
    fence_line = block.splitlines()[2]
    assert fence_line.startswith("````") and block.rstrip().endswith(fence_line[:len(fence_line) - 4])
    assert "| ✅ | 1 (a) | z = σ(Wx) | 2 / 2 |" in text
    assert "| ⏳ | 3 (p) | ∂ℓ/∂b (public) | 2 graded after submission |" in text
    assert "<summary>🟡 1 (b) ∂ℓ/∂W | [shape h×d] `x`: 1 / 3</summary>" in text


def test_cell_and_fence_helpers():
    assert cell("a|b\n<i>") == "a\\|b\ufffd\\<i\\>"
    assert fence("x ``` y") == ["````text", "x ``` y", "````"]


def test_check_markdown_lists_problems_and_warnings():
    text = render_check_markdown(CHECK)
    assert "❌" in text and "undeclared" in text and "unused-dimension" in text


# -- Classroom --------------------------------------------------------------------------------


def test_classroom_result_as_the_grading_reporter_reads_it():
    document = json.loads(base64.b64decode(encode(classroom_result(RESULT, WHERE))))
    assert document["version"] == 1 and document["status"] == "fail" and document["max_score"] == 5
    assert [t["name"] for t in document["tests"]] == ["1 (a) z = σ(Wx)", "1 (b) ∂ℓ/∂W | [shape h×d] `x`"]
    first, second = document["tests"]
    assert (first["status"], first["score"], first["message"]) == ("pass", 2, "")
    assert (second["status"], second["score"], second["filename"], second["line_no"]) == \
        ("fail", 1, "sample_submissions/ps5/student.py", 27)
    assert sum(t["score"] for t in document["tests"]) == 3
    assert set(first) == {"name", "status", "score", "message", "test_code", "filename", "line_no", "duration"}


def test_classroom_full_marks_pass_and_an_error_document():
    full = GradeResult("s.py", "r.yaml", "T", (QuestionResult("1", "Q", (VISIBLE_OK,)),))
    assert classroom_result(full)["status"] == "pass"
    error = classroom_error("could not grade: the disk is full")
    assert error["status"] == "error" and error["tests"][0]["status"] == "error"
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", encode(error))


# -- grade check's report ---------------------------------------------------------------------

CHECK = CheckReport((
    RubricCheck("ps5", "rubrics/ps5.yaml", "PS5", (
        SampleCheck("(reference)", "rubrics/ps5_reference.py", 22, 22),
        SampleCheck("sign_error.py", "sample_submissions/ps5/expected.yaml", 17, 22,
                    ("4/2a: scored 0, expected 1 (reference: wrong)",), line=3),
    ), (
        LintFinding("undeclared-sample", "error", "sample extra.py (file) is not declared",
                    "sample_submissions/ps5/extra.py"),
        LintFinding("unused-dimension", "warning", "dimension 'k' is used by no shape", "rubrics/ps5.yaml", 12,
                    "dimensions.k"),
    )),
    RubricCheck("broken", "rubrics/broken.yaml", error="rubrics/broken.yaml:3: seed: expected an integer"),
), strict=True)


def test_check_report_text_json_and_annotations():
    stream = io.StringIO()
    render_check(CHECK, Console(file=stream, width=200, color_system=None))
    text = stream.getvalue()
    assert "sample_submissions/ps5/extra.py: sample extra.py (file) is not declared [undeclared-sample]" in text
    assert "warning: rubrics/ps5.yaml:12: dimensions.k: dimension 'k' is used by no shape" in text
    assert text.rstrip().endswith("1 passed, 3 failed") and counts(CHECK) == (1, 3)
    data = json.loads(render_check_json(CHECK))
    assert data["format"] == "grader.check/1" and data["ok"] is False and data["strict"] is True
    assert data["rubrics"][0]["findings"][0]["rule"] == "undeclared-sample"
    lines = check_annotations(CHECK)
    kinds = [parse_command(line)[0] for line in lines]
    assert kinds == ["error", "warning", "error", "error"]
    assert parse_command(lines[2])[1] == {"file": "sample_submissions/ps5/expected.yaml", "line": "3",
                                          "title": "ps5/sign_error.py: not as declared"}
