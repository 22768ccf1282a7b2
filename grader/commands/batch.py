"""``grade batch SUBMISSIONS --rubric RUBRIC``: grade a whole class, resumably, with a gradebook and a report."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..exit_codes import ExitCode
from . import PlainRawHelp, say, say_error

_DESCRIPTION = """Grade every student's submission in SUBMISSIONS: a folder of one .py file per student, a
folder of one folder per student (GitHub Classroom), or a Gradescope export (folder or zip).
Grades go to a SQLite gradebook in --out; a rerun grades only new or changed submissions."""

_EPILOG = """writes, in --out (default grades/):
  gradebook.sqlite   every grade (keep it on a local disk)
  grades.csv         one row per student: total, status, one column per part
  canvas.csv         Canvas's gradebook import
  feedback/          <student>.txt (what `grade` prints) and <student>.json (Gradescope results.json)
  report.html        histogram, per-part statistics, the class's most common mistakes

exit status:
  0  every submission was graded (whatever the students scored)
  2  usage error, an unreadable SUBMISSIONS, or an invalid rubric or reference
  3  some submissions could not be graded (a fault of the grading machine; listed)
  128+N  stopped by signal N (grades finished so far are kept)"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade batch", description=_DESCRIPTION, epilog=_EPILOG,
                                     formatter_class=PlainRawHelp)
    parser.add_argument("submissions", type=Path, help="the class's submissions: a folder or a zip")
    parser.add_argument("--rubric", "-r", type=Path, required=True, help="the assignment's YAML rubric")
    parser.add_argument("--out", "-o", type=Path, default=Path("grades"), help="output folder (default: grades/)")
    parser.add_argument("--jobs", "-j", type=_positive, default=os.cpu_count() or 1,
                        help="grading processes (default: the number of cores, %(default)s)")
    parser.add_argument("--force", action="store_true", help="regrade everyone (manual overrides are kept)")
    parser.add_argument("--only", nargs="+", action="extend", default=[], metavar="STUDENT",
                        help="regrade only these students (identifier, folder, name, email or student id)")
    parser.add_argument("--file", metavar="NAME",
                        help="in each student's folder, the module to grade (default: submission.py, else the only "
                             "file that defines the rubric's functions)")
    parser.add_argument("--dask", metavar="SCHEDULER",
                        help="grade on an existing Dask cluster, e.g. tcp://host:8786 (needs the batch-dask extra)")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    from ..batch.gradebook import GradebookError
    from ..batch.inputs import InputError
    from ..batch.jobs import BackendFault, RubricFault
    from ..batch.scheduling import BatchOptions, UnknownStudent, run_batch
    from ..rubric.errors import RubricError

    problem = _check_paths(options.submissions, options.out) or _check_dask(options.dask)
    if problem:
        say_error("grade batch", problem)
        return ExitCode.USAGE_ERROR
    batch = BatchOptions(options.submissions, options.rubric, options.out, options.jobs, options.force,
                         tuple(options.only), options.file, options.dask)
    try:
        run = run_batch(batch, sys.stderr, _backend_factory(options.dask))
    except (RubricError, RubricFault, InputError, GradebookError, UnknownStudent) as exc:
        say_error("grade batch", exc)
        return ExitCode.USAGE_ERROR
    except BackendFault as exc:
        say(f"grade batch: could not grade: {exc} (grades finished so far are kept in {options.out})")
        return ExitCode.COULD_NOT_GRADE
    except OSError as exc:
        say(f"grade batch: could not grade: {exc.strerror or exc} ({getattr(exc, 'filename', '') or ''})")
        return ExitCode.COULD_NOT_GRADE
    return _finish(run, options.out)


def _check_paths(submissions: Path, out: Path) -> str:
    if out.exists() and not out.is_dir():
        return f"--out {out} is not a folder"
    existing = next((p for p in (out, *out.absolute().parents) if p.exists()), None)
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        return f"--out {out}: cannot write in {existing}"
    if submissions.is_dir():
        real_out, real_in = os.path.realpath(out), os.path.realpath(submissions)
        if real_out == real_in or real_out.startswith(real_in.rstrip("/") + "/"):
            return f"--out {out} is inside the submissions folder {submissions}: choose a folder outside it"
    return ""


def _check_dask(scheduler: str | None) -> str:
    if scheduler is None:
        return ""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return ("--dask needs the 'distributed' package: install the batch-dask extra "
                "(pip install '.[batch-dask]' from a checkout)")
    return ""


def _backend_factory(scheduler: str | None):
    def make(rubric, bundle, jobs, hide):
        if scheduler:
            from ..batch.dask_backend import DaskBackend

            return DaskBackend(scheduler, bundle, str(rubric.path))
        from ..batch.pool import LocalPool

        return LocalPool(rubric.path, bundle.digest, jobs, rubric.defaults.total_timeout, hide)

    return make


def _finish(run, out: Path) -> int:
    from ..report.batch_summary import render_summary
    from ..report.terminal import make_console

    for note in run.notes:
        say(f"grade batch: note: {note}")
    try:
        render_summary(run.report, make_console(sys.stdout), run.graded_now, run.unchanged, run.seconds)
    except (OSError, ValueError):
        pass
    if run.graded_now == 0:
        say(f"grade batch: nothing new to grade ({run.unchanged} unchanged); outputs rewritten in {out}")
    else:
        say(f"grade batch: outputs written to {out}")
    failed = run.could_not_grade
    if failed:
        say(f"grade batch: {len(failed)} submission(s) could not be graded (not the students' fault; "
            "rerun to try them again):")
        for label in failed:
            say(f"  {label}")
        return ExitCode.COULD_NOT_GRADE
    return ExitCode.OK
