"""``grade SUBMISSION --rubric RUBRIC``: grade one submission and report."""

from __future__ import annotations

import argparse
import importlib
import sys
import threading
from pathlib import Path

from .. import __version__
from ..exit_codes import ExitCode
from ..sandbox.launcher import acquire_launcher, release_launcher

_EPILOG = """sub-commands:
  grade check [RUBRIC_OR_DIR ...]   self-test rubrics: reference and samples get their declared scores
  grade stub --rubric RUBRIC        write a starter submission.py for a rubric
  grade doctor                      show which sandbox layers are active on this machine

exit status: 0 full marks (or at least --fail-under), 1 points lost, 2 usage or rubric error"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grade",
        description="Grade a backpropagation homework submission against a YAML rubric.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("submission", type=Path, help="the student's Python file")
    parser.add_argument("--rubric", "-r", type=Path, required=True, help="the assignment's YAML rubric")
    parser.add_argument("--format", "-f", choices=("text", "json"), default="text",
                        help="text: a report for people (default); json: Gradescope results.json")
    parser.add_argument("--output", "-o", type=Path, help="write the report to this file instead of stdout")
    parser.add_argument("--fail-under", type=float, metavar="PERCENT",
                        help="exit 0 when the score is at least PERCENT of the maximum")
    parser.add_argument("--version", "-V", action="version", version=f"grade {__version__}")
    return parser


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    launcher = acquire_launcher()  # first: the zygote imports numpy while this process imports the rest
    try:
        return _grade(options)
    finally:
        release_launcher(launcher)


def _grade(options: argparse.Namespace) -> int:
    from ..api import Grader
    from ..results import CouldNotGrade
    from ..rubric.errors import RubricError
    from ..submissions import SubmissionError

    try:
        with Grader(options.rubric) as grader:
            report = _preload(_REPORT_MODULES[options.format])
            outcome = grader.grade(options.submission)
    except RubricError as exc:  # includes a reference implementation that fails: the rubric's fault
        print(f"grade: error: {exc}", file=sys.stderr)
        return ExitCode.USAGE_ERROR
    except SubmissionError as exc:
        print(f"grade: error: {exc}", file=sys.stderr)
        return ExitCode.USAGE_ERROR
    if isinstance(outcome, CouldNotGrade):
        print(f"grade: {outcome.reason} (not the submission's fault; no grade was given)", file=sys.stderr)
        return ExitCode.COULD_NOT_GRADE
    for warning in outcome.warnings:
        print(f"grade: {warning}", file=sys.stderr)
    report.join()
    write_report(outcome, options.format, options.output)
    return exit_status(outcome.score, outcome.max_score, options.fail_under)


_REPORT_MODULES = {"json": "grader.report.gradescope", "text": "grader.report.terminal"}


def _preload(module: str) -> threading.Thread:
    """Import the report's module in the background: it loads while grading waits on the sandbox."""
    thread = threading.Thread(target=importlib.import_module, args=(module,), daemon=True)
    thread.start()
    return thread


def write_report(result, fmt: str, output: Path | None) -> None:
    if fmt == "json":
        from ..report.gradescope import render_json

        text = render_json(result)
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return
    from ..report.terminal import make_console, render

    if output:
        with output.open("w", encoding="utf-8") as stream:
            render(result, make_console(stream))
    else:
        render(result, make_console())


def exit_status(score: float, max_score: float, fail_under: float | None) -> ExitCode:
    if fail_under is not None:
        percent = 100.0 * score / max_score if max_score else 100.0
        return ExitCode.OK if percent + 1e-9 >= fail_under else ExitCode.POINTS_LOST
    return ExitCode.OK if score >= max_score - 1e-9 else ExitCode.POINTS_LOST
