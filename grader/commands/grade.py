"""``grade SUBMISSION --rubric RUBRIC``: grade one submission and report."""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
import threading
from pathlib import Path

from ..atomic import write_atomic
from .. import __version__
from . import PlainRawHelp, github_env, say, say_error
from ..exit_codes import ExitCode
from ..sandbox.launcher import acquire_launcher, release_launcher
from ..testpoint import reached

_EPILOG = """sub-commands:
  grade batch SUBMISSIONS --rubric R  grade a whole class: gradebook, grades.csv, feedback, report.html
  grade override STUDENT ...        a teaching assistant's adjusted score (see grade override --help)
  grade check [RUBRIC_OR_DIR ...]   self-test rubrics: reference and samples get their declared scores
  grade publish RUBRIC -o DIR       write the public rubric students check their work with (no answers)
  grade gradescope RUBRIC -o ZIP    the Gradescope autograder zip (setup.sh, run_autograder, rubric, wheel)
  grade stub --rubric RUBRIC        write a starter submission.py for a rubric
  grade doctor                      show which sandbox layers are active on this machine

exit status:
  0  full marks (or at least --fail-under)
  1  points lost
  2  usage error, or an invalid rubric or reference
  3  could not grade: a fault of the grading machine, not the submission; no grade given
  128+N  stopped by signal N (130 for Ctrl-C)

in GitHub Actions (GITHUB_ACTIONS=true): error annotations at the functions that lost points, the report
appended to $GITHUB_STEP_SUMMARY, and step outputs (in $GITHUB_OUTPUT) `result` (GitHub Classroom's
runner result), `score` and `max-score`. See docs/ci.md."""

FORMATS = ("text", "json", "junit", "markdown")
AUDIENCES = ("student", "released", "staff")


class UsageError(Exception):
    """A problem with how the command was called: exit 2 with this message."""


def percent(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text} is not a percentage between 0 and 100")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grade",
        description="Grade a backpropagation homework submission against a YAML rubric.",
        epilog=_EPILOG,
        formatter_class=PlainRawHelp,
    )
    parser.add_argument("submission", type=Path,
                        help="the student's Python file, or a folder of them (one student's work)")
    parser.add_argument("--file", metavar="NAME",
                        help="in a folder submission, the module to grade (default: submission.py, else the only "
                             "file that defines the rubric's functions)")
    parser.add_argument("--rubric", "-r", type=Path, required=True, help="the assignment's YAML rubric")
    parser.add_argument("--format", "-f", choices=FORMATS, default="text",
                        help="text: a report for people (default); json: Gradescope results.json; junit: JUnit XML "
                             "(one testcase per part); markdown: a summary to paste")
    parser.add_argument("--audience", choices=AUDIENCES, default="student",
                        help="who reads the report: student (default; parts not `visible` are left out), released "
                             "(also after_due_date and after_published parts) or staff (everything)")
    parser.add_argument("--output", "-o", type=Path, help="write the report to this file instead of stdout")
    parser.add_argument("--fail-under", type=percent, metavar="PERCENT",
                        help="exit 0 when the score is at least PERCENT (0-100) of the maximum")
    parser.add_argument("--version", "-V", action="version", version=f"grade {__version__}")
    return parser


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    try:
        launcher = acquire_launcher()  # first: the zygote imports numpy while this process imports the rest
    except OSError as exc:
        say(f"grade: could not grade: cannot start the sandbox: {exc} (not the submission's fault)")
        return ExitCode.COULD_NOT_GRADE
    try:
        return _grade(options)
    finally:
        release_launcher(launcher)


def _grade(options: argparse.Namespace) -> int:
    from ..api import Grader
    from ..results import CouldNotGrade
    from ..rubric.errors import RubricError
    from ..sandbox.runner import SandboxFault
    from ..submissions import SubmissionError

    try:
        _check_output(options.output, [options.submission, options.rubric])
        with Grader(options.rubric) as grader:
            _check_output(options.output, [p for p in (grader.rubric.reference,) if p is not None])
            report = _preload(_REPORT_MODULES[options.format])
            outcome = grader.grade(options.submission, entry=options.file)
            where = _locations(grader.rubric, options) if github_env.active() else {}
    except (RubricError, SubmissionError, UsageError) as exc:  # a failing reference is the rubric's fault
        say_error("grade", exc)
        return ExitCode.USAGE_ERROR
    except (SandboxFault, OSError) as exc:
        outcome = CouldNotGrade(str(options.submission), str(options.rubric), f"could not grade: {exc}")
    if isinstance(outcome, CouldNotGrade):
        say(f"grade: {outcome.reason} (not the submission's fault; no grade was given)")
        if github_env.active():
            _github_could_not_grade(outcome.reason)
        return ExitCode.COULD_NOT_GRADE
    for warning in outcome.warnings:
        say(f"grade: {warning}")
    report.join()
    reached("report")
    audience = _audience(options.audience)
    try:
        write_report(outcome, options.format, options.output, audience)
    except UsageError as exc:
        say_error("grade", exc)
        return ExitCode.USAGE_ERROR
    except OSError as exc:
        say(f"grade: could not write the report to {options.output}: {exc.strerror or exc}")
        return ExitCode.COULD_NOT_GRADE
    if github_env.active() and not _github(outcome, where, audience, _stdout_is_data(options)):
        return ExitCode.COULD_NOT_GRADE
    return exit_status(outcome.score, outcome.max_score, options.fail_under)


_REPORT_MODULES = {"json": "grader.report.gradescope", "text": "grader.report.terminal",
                   "junit": "grader.report.junit", "markdown": "grader.report.markdown"}


def _audience(name: str):
    from ..report.audience import Audience

    return Audience(name)


def _stdout_is_data(options: argparse.Namespace) -> bool:
    """Whether stdout carries a machine-readable report (workflow commands then go to stderr)."""
    return options.output is None and options.format != "text"


def _locations(rubric, options: argparse.Namespace) -> dict:
    """Each part's line in the submission (parsed, never run), with paths relative to the repository."""
    from ..locate import part_lines
    from ..results import SourceLine
    from ..submissions import SubmissionError, read_submission

    try:
        files = read_submission(options.submission, (), options.file, [*rubric.functions, *rubric.constants])
    except SubmissionError:
        return {}
    folder = options.submission if options.submission.is_dir() else None
    return {name: SourceLine(github_env.repository_path(folder / module if folder else options.submission), line)
            for name, (module, line) in part_lines(rubric, files).items()}


def _github(outcome, where: dict, audience, stdout_is_data: bool) -> bool:
    """Annotations, the job summary and the step outputs; False when the outputs cannot be written."""
    from ..report.classroom import classroom_result, encode
    from ..report.github import annotations, output_line
    from ..report.markdown import render_markdown

    github_env.emit(annotations(outcome, where, audience), sys.stderr if stdout_is_data else sys.stdout)
    github_env.append_summary(render_markdown(outcome, audience))
    shown = classroom_result(outcome, where, audience)
    score = sum(test["score"] for test in shown["tests"])
    return github_env.set_outputs(output_line("result", encode(shown)) + output_line("score", _plain(score))
                                  + output_line("max-score", _plain(shown["max_score"])))


def _github_could_not_grade(reason: str) -> None:
    from ..report.classroom import classroom_error, encode
    from ..report.github import command, output_line

    github_env.emit([command("error", reason, title="could not grade (not the submission's fault)")], sys.stderr)
    github_env.set_outputs(output_line("result", encode(classroom_error(reason))))


def _plain(value: float) -> str:
    return f"{value:g}"


def _preload(module: str) -> threading.Thread:
    """Import the report's module in the background: it loads while grading waits on the sandbox."""
    thread = threading.Thread(target=importlib.import_module, args=(module,), daemon=True)
    thread.start()
    return thread


def _check_output(output: Path | None, protected: list[Path]) -> None:
    """Refuse, before grading, an output file that cannot be written or would overwrite an input."""
    if output is None:
        return
    if output.is_dir():
        raise UsageError(f"--output {output} is a folder")
    folder = output.resolve().parent
    if not folder.is_dir():
        raise UsageError(f"--output {output}: no such folder {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"--output {output}: cannot write in {folder}")
    for path in protected:
        if _same_file(output, path):
            raise UsageError(f"--output {output} would overwrite {path}")


def _same_file(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def write_report(result, fmt: str, output: Path | None, audience=None) -> None:
    """Write the report to ``output`` atomically (never a truncated file), or to stdout."""
    from ..report.audience import Audience

    audience = audience or Audience.STUDENT
    if fmt == "json":
        from ..report.gradescope import render_json

        text = render_json(result)
    elif fmt == "junit":
        from ..report.junit import render_junit

        text = render_junit(result, audience)
    elif fmt == "markdown":
        from ..report.markdown import render_markdown

        text = render_markdown(result, audience)
    elif output is None:
        _write_stdout(lambda stream: _render_terminal(result, stream, audience))
        return
    else:
        from ..report.terminal import render_plain

        text = render_plain(result, audience)
    write_text(text, output)


def write_text(text: str, output: Path | None) -> None:
    """``text`` to ``output`` atomically (a temporary file renamed into place), or to stdout."""
    if output is None:
        _write_stdout(lambda stream: stream.write(text))
        return
    write_atomic(output, text)


def _render_terminal(result, stream, audience) -> None:
    from ..report.terminal import make_console, render

    render(result, make_console(stream), audience)


def _write_stdout(write) -> None:
    if sys.stdout is None:
        raise UsageError("standard output is closed: use --output FILE")
    try:
        write(sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        sys.stdout = None  # nothing more can be written there (not even at exit)
        raise UsageError("the report could not be written: the reader closed the pipe") from None


def exit_status(score: float, max_score: float, fail_under: float | None) -> ExitCode:
    if fail_under is not None:
        share = 100.0 * score / max_score if max_score else 100.0
        return ExitCode.OK if share + 1e-9 >= fail_under else ExitCode.POINTS_LOST
    return ExitCode.OK if score >= max_score - 1e-9 else ExitCode.POINTS_LOST
