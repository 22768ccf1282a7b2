"""``grade override``: a teaching assistant's adjusted score, with a reason, kept across reruns.

    grade override STUDENT --score 9.5 --reason "late-day waiver" [--part 4/3b] [--out grades/]
    grade override STUDENT --remove [--part 4/3b] [--out grades/]
    grade override --list [--out grades/]

Without ``--part`` the override sets the total. Overrides live in the gradebook, survive
``grade batch`` reruns and ``--force``, and show in grades.csv, canvas.csv, the feedback
files and report.html, which are rewritten at once.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from ..exit_codes import ExitCode
from . import PlainRawHelp, say, say_error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade override",
                                     description="Record a teaching assistant's adjusted score, with a reason; it is "
                                                 "kept across `grade batch` reruns and shown in every output.",
                                     formatter_class=PlainRawHelp)
    parser.add_argument("student", nargs="?", help="the student's identifier, as in grades.csv")
    parser.add_argument("--out", "-o", type=Path, default=Path("grades"),
                        help="the batch's output folder (default: grades/)")
    parser.add_argument("--part", default="", metavar="QUESTION/PART", help="the part to override (default: the total)")
    parser.add_argument("--score", type=float, help="the adjusted score")
    parser.add_argument("--reason", default="", help="why (shown to the student and in every output)")
    parser.add_argument("--remove", action="store_true", help="remove the override")
    parser.add_argument("--list", action="store_true", help="list every override")
    return parser


def main(argv: list[str]) -> int:
    parser = build_parser()
    options = parser.parse_args(argv)
    from ..batch.analytics import TOTAL
    from ..batch.gradebook import FILE_NAME, Gradebook, GradebookError, Override, now
    from ..batch.outputs import write_outputs

    if not (options.out / FILE_NAME).is_file():
        say_error("grade override", f"no gradebook in {options.out}: run `grade batch ... --out {options.out}` first")
        return ExitCode.USAGE_ERROR
    try:
        with Gradebook(options.out) as book:
            if options.list:
                _list(book)
                return ExitCode.OK
            rubric = book.current_rubric()
            options.student = _resolve(book, options.student)
            problem = _problem(options, book, rubric)
            if problem:
                say_error("grade override", problem)
                return ExitCode.USAGE_ERROR
            part = options.part or TOTAL
            if options.remove:
                if not book.remove_override(options.student, part):
                    say_error("grade override", f"{options.student} has no override for {options.part or 'the total'}")
                    return ExitCode.USAGE_ERROR
            else:
                entry = next(e for e in book.roster() if e.student == options.student)
                book.set_override(Override(options.student, part, options.score, options.reason.strip(),
                                           entry.content_hash, now()))
            write_outputs(book, options.out, rubric)
    except GradebookError as exc:
        say_error("grade override", exc)
        return ExitCode.USAGE_ERROR
    except OSError as exc:
        say(f"grade override: could not write the outputs in {options.out}: {exc.strerror or exc}")
        return ExitCode.COULD_NOT_GRADE
    say(f"grade override: {'removed' if options.remove else 'recorded'}; outputs rewritten in {options.out}")
    return ExitCode.OK


def _resolve(book, name: str | None) -> str | None:
    """The gradebook key of the student named by key or by a submitter's id, email or name (if unique)."""
    if not name:
        return name
    roster = book.roster()
    if any(e.student == name for e in roster):
        return name
    needle = name.casefold()
    hits = [e.student for e in roster
            if any(needle in {s.sid.casefold(), s.email.casefold(), s.name.casefold()} for s in e.submitters)]
    return hits[0] if len(hits) == 1 else name


def _problem(options, book, rubric) -> str:
    if rubric is None:
        return f"the gradebook in {options.out} has no graded batch yet"
    if not options.student:
        return "name the student (or use --list)"
    if options.student not in {e.student for e in book.roster()}:
        return f"no student '{options.student}' in the current batch (see grades.csv's identifier column)"
    points = {name: p for name, _, p in rubric.parts}
    if options.part and options.part not in points:
        return f"no part '{options.part}' in the rubric (parts: {', '.join(points)})"
    if options.remove:
        return ""
    if options.score is None or not options.reason.strip():
        return "--score and --reason are both required"
    limit = points[options.part] if options.part else rubric.max_score
    if not math.isfinite(options.score) or not 0 <= options.score <= limit:
        return f"--score must be between 0 and {limit:g}"
    return ""


def _list(book) -> None:
    for student, parts in book.overrides().items():
        for part, override in parts.items():
            print(f"{student}\t{part or 'total'}\t{override.score:g}\t{override.reason}", file=sys.stdout)
