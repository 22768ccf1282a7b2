"""``grade SUBMISSION --rubric RUBRIC``: grade one submission and report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import __version__
from ..cli import EXIT_OK, EXIT_POINTS_LOST, EXIT_USAGE
from ..grading import grade_submission
from ..reference import load_reference
from ..report.gradescope import render_json
from ..report.terminal import make_console, render
from ..rubric.errors import RubricError
from ..results import GradeResult
from ..rubric.loader import load_rubric
from ..rubric.model import Rubric
from ..sandbox.launcher import default_launcher

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
    parser = build_parser()
    options = parser.parse_args(argv)
    if not options.submission.is_file():
        print(f"grade: error: submission not found: {options.submission}", file=sys.stderr)
        return EXIT_USAGE
    launcher = default_launcher()  # before any rubric is read: workers must never see reference data
    try:
        rubric = load_rubric(options.rubric)
        reference = load_reference(rubric)
        result = grade_submission(rubric, reference, options.submission, launcher, hidden_paths(rubric))
    except RubricError as exc:  # includes a reference implementation that fails: the rubric's fault
        print(f"grade: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        launcher.close()
    for warning in result.warnings:
        print(f"grade: {warning}", file=sys.stderr)
    write_report(result, options.format, options.output)
    return exit_status(result.score, result.max_score, options.fail_under)


def hidden_paths(rubric: Rubric) -> tuple[str, ...]:
    """Folders the student's process must not see: the rubric's and the reference's."""
    return tuple(sorted({str(rubric.path.resolve().parent), str(rubric.reference.parent)}))


def write_report(result: GradeResult, fmt: str, output: Path | None) -> None:
    if fmt == "json":
        text = render_json(result)
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return
    if output:
        with output.open("w", encoding="utf-8") as stream:
            render(result, make_console(stream))
    else:
        render(result, make_console())


def exit_status(score: float, max_score: float, fail_under: float | None) -> int:
    if fail_under is not None:
        percent = 100.0 * score / max_score if max_score else 100.0
        return EXIT_OK if percent + 1e-9 >= fail_under else EXIT_POINTS_LOST
    return EXIT_OK if score >= max_score - 1e-9 else EXIT_POINTS_LOST
