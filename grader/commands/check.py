"""``grade check [RUBRIC_OR_DIR ...]``: the course repo's self-test before publishing an assignment.

Validates every rubric, grades each rubric's reference as a submission (it must get
full marks) and every sample submission against the per-part scores its
``expected.yaml`` declares; every sample in a samples folder must be declared. Exit 0
when everything is as declared, 1 on any difference or error, 2 on an invalid rubric,
3 when something could not be graded (a fault of the machine).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import PlainHelp, say
from .github_env import active, append_summary, emit
from ..exit_codes import ExitCode
from ..results import CheckReport
from ..sandbox.launcher import acquire_launcher, release_launcher
from ..selftest import check_rubric, find_rubrics

FORMATS = ("text", "json", "junit", "markdown")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade check", description=__doc__.split("\n\n")[0],
                                     epilog="exit status: 0 as declared; 1 a difference or an error; 2 an invalid "
                                            "rubric; 3 could not grade (not the rubric's fault)",
                                     formatter_class=PlainHelp)
    parser.add_argument("paths", nargs="*", type=Path, default=[Path("rubrics")],
                        help="rubric files or folders of rubrics (default: rubrics/)")
    parser.add_argument("--strict", action="store_true",
                        help="fail, not warn, when a rubric has no samples folder, no expected.yaml or no sample "
                             "(use it in CI)")
    parser.add_argument("--format", "-f", choices=FORMATS, default="text",
                        help="text (default), json (grader.check/1), junit (JUnit XML) or markdown")
    parser.add_argument("--output", "-o", type=Path, help="write the report to this file instead of stdout")
    return parser


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    rubrics = find_rubrics(options.paths)
    missing = [p for p in rubrics if not p.is_file()]
    if missing or not rubrics:
        say(f"grade check: error: no rubric at {missing[0] if missing else ' '.join(map(str, options.paths))}")
        return ExitCode.USAGE_ERROR
    if options.output is not None and (options.output.is_dir() or not options.output.resolve().parent.is_dir()):
        say(f"grade check: error: --output {options.output}: not a file in an existing folder")
        return ExitCode.USAGE_ERROR
    try:
        launcher = acquire_launcher()  # before any rubric is read (see grader.api)
    except OSError as exc:
        say(f"grade check: could not grade: cannot start the sandbox: {exc} (not the rubrics' fault)")
        return ExitCode.COULD_NOT_GRADE
    try:
        report = CheckReport(tuple(check_rubric(path, options.strict) for path in rubrics), options.strict)
    finally:
        release_launcher(launcher)
    try:
        _write(report, options.format, options.output)
    except OSError as exc:
        say(f"grade check: could not write the report to {options.output}: {exc.strerror or exc}")
        return ExitCode.COULD_NOT_GRADE
    if active():
        _github(report, machine_readable_stdout=options.format != "text" and options.output is None)
    return exit_status(report)


def exit_status(report: CheckReport) -> ExitCode:
    """2 for an invalid rubric, 3 when something could not be graded, 1 for any other failure, else 0."""
    if any(r.error for r in report.rubrics):
        return ExitCode.USAGE_ERROR
    if any(s.could_not_grade for s in report.samples()):
        return ExitCode.COULD_NOT_GRADE
    return ExitCode.OK if report.ok else ExitCode.POINTS_LOST


def _write(report: CheckReport, fmt: str, output: Path | None) -> None:
    from .grade import write_text

    if fmt == "text":
        from ..report.check_report import render_check
        from ..report.terminal import make_console

        if output is None:
            render_check(report, make_console(sys.stdout))
            return
        import io

        stream = io.StringIO()
        render_check(report, make_console(stream))
        write_text(stream.getvalue(), output)
        return
    write_text(_render(report, fmt), output)


def _render(report: CheckReport, fmt: str) -> str:
    if fmt == "json":
        from ..report.check_report import render_check_json

        return render_check_json(report)
    if fmt == "junit":
        from ..report.junit import render_check_junit

        return render_check_junit(report)
    from ..report.markdown import render_check_markdown

    return render_check_markdown(report)


def _github(report: CheckReport, machine_readable_stdout: bool) -> None:
    """Annotations at the rubrics' and expectations' lines, and the report as the job summary."""
    from ..report.github import check_annotations
    from ..report.markdown import render_check_markdown

    emit(check_annotations(_relative(report)), sys.stderr if machine_readable_stdout else sys.stdout)
    append_summary(render_check_markdown(report))


def _relative(report: CheckReport) -> CheckReport:
    """The report with file paths relative to the repository, as GitHub places annotations by them."""
    from dataclasses import replace

    from .github_env import repository_path

    def fix(path: str) -> str:
        return repository_path(path) if path else path

    return replace(report, rubrics=tuple(
        replace(r, file=fix(r.file),
                findings=tuple(replace(f, file=fix(f.file)) for f in r.findings),
                samples=tuple(replace(s, file=fix(s.file)) for s in r.samples))
        for r in report.rubrics))


