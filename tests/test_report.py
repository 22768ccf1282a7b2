"""Rendering: the terminal report and Gradescope's results.json from a GradeResult."""

from __future__ import annotations

import io

from rich.console import Console

from grader.report.gradescope import to_gradescope
from grader.report.terminal import render
from grader.results import CheckResult, Finding, GradeResult, PartResult, QuestionResult

PASSED = PartResult("1", "a", "ℓ = −[y log ŷ + (1 − y) log(1 − ŷ)]", 2, 2,
                    (CheckResult("reference", 1, 1, "matches the reference on 21 case(s)"),))
PARTIAL = PartResult("1", "b", "∂ℓ/∂W [shape h×d]", 3, 1.5, (
    CheckResult("shape", 1, 1, "shape (h, d) on 21 case(s)"),
    CheckResult("reference", 0, 1, "wrong on 21 of 21 case(s)", ("inputs: W=[[1.]]",),
                Finding("transposed", "transposed")),
))
RESULT = GradeResult("s.py", "r.yaml", "Title [draft]", (QuestionResult("1", "Q [one]", (PASSED, PARTIAL)),),
                     stdout="hello [bold]world[/bold]", execution_time=1.23456)


def rendered() -> str:
    stream = io.StringIO()
    render(RESULT, Console(file=stream, width=120, color_system=None))
    return stream.getvalue()


def test_terminal_report_keeps_brackets_and_shows_reasons():
    text = rendered()
    assert "−[y log ŷ + (1 − y) log(1 − ŷ)]" in text and "[shape h×d]" in text and "Title [draft]" in text
    assert "3.50 / 5" in text and "1.50 / 3" in text
    assert "likely cause: transposed" in text and "inputs: W=[[1.]]" in text
    assert "hello [bold]world[/bold]" in text


def test_gradescope_document():
    document = to_gradescope(RESULT)
    assert document["score"] == 3.5 and document["execution_time"] == 1.235
    first, second = document["tests"]
    assert first == {"name": "1 (a) ℓ = −[y log ŷ + (1 − y) log(1 − ŷ)]", "number": "1.a", "score": 2,
                     "max_score": 2, "status": "passed", "output": "reference: matches the reference on 21 case(s)",
                     "output_format": "text", "visibility": "visible"}
    assert second["status"] == "failed" and second["score"] == 1.5
    assert second["output"].splitlines() == ["reference: wrong on 21 of 21 case(s)", "  inputs: W=[[1.]]",
                                             "  likely cause: transposed"]
    assert "hello [bold]world[/bold]" in document["output"]


def test_missing_sandbox_layers_become_one_warning():
    from grader.grading import _sandbox_warnings

    class Runner:
        def __init__(self, missing):
            self.missing = missing

        def missing_layers(self):
            return self.missing

    assert _sandbox_warnings(Runner([])) == ()
    (warning,) = _sandbox_warnings(Runner(["landlock", "seccomp"]))
    assert "without landlock, seccomp" in warning and "grade doctor" in warning
