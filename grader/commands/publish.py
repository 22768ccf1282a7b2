"""``grade publish RUBRIC -o DIR``: the public rubric students check their work with, without the answers.

Writes ``DIR/<rubric name>.yaml`` marked ``public: true``: the interface, the handout's
cases and every part a student may see, with its shape checks, the handout's literal
values and its claims; without the reference implementation, the declared mistakes, the
samples (``correct.py`` is the answer key) or any comment or path of the course repo.
Parts hidden before submission are listed by id under ``after_submission``. Graded with
it, a comparison with the reference is left for after submission. Before it is kept,
the public rubric is loaded and the reference is graded with it: it must get full marks
of the public parts (``--no-verify`` skips that). Exit 0 written, 1 the reference does
not pass the public rubric, 2 a usage or rubric error, 3 a fault of ours.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..atomic import write_atomic
from . import PlainHelp, say, say_error
from ..exit_codes import ExitCode

_HEADER = """\
# Public rubric: {title}
# Written by `grade publish` for students: it holds no answers (no reference implementation, no
# declared mistakes, no samples). Check your work with
#     grade submission.py --rubric {name}
# Comparisons with the course's reference are graded after submission.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade publish", description=__doc__.split("\n\n")[0],
                                     formatter_class=PlainHelp)
    parser.add_argument("rubric", type=Path, help="the course's rubric (with its reference)")
    parser.add_argument("--output", "-o", type=Path, required=True, metavar="DIR",
                        help="folder to write the public rubric into (created if missing); keep the student's "
                             "submission out of it, as a rubric's folder is hidden from the submission")
    parser.add_argument("--no-verify", action="store_true",
                        help="skip grading the reference with the public rubric (it must get full public marks)")
    return parser


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    from ..rubric.errors import RubricError

    try:
        target, text, rubric = _prepare(options.rubric, options.output)
    except (RubricError, UsageError) as exc:
        say_error("grade publish", exc)
        return ExitCode.USAGE_ERROR
    try:
        _write_atomically(target, text)
    except OSError as exc:
        say(f"grade publish: could not write {target}: {exc.strerror or exc}")
        return ExitCode.COULD_NOT_GRADE
    try:
        status = _load_back(target) if options.no_verify else _verify(target, rubric.reference)
    except RubricError as exc:  # a bug of ours: the public rubric must load
        target.unlink(missing_ok=True)
        say(f"grade publish: internal error: the public rubric does not load: {exc}")
        return ExitCode.COULD_NOT_GRADE
    if status != ExitCode.OK:
        target.unlink(missing_ok=True)
    return status


class UsageError(Exception):
    """A problem with the arguments: exit 2 with this message."""


def _prepare(path: Path, folder: Path):
    """The target file, the public rubric's text and the course rubric; refuses what would lose data."""
    from ..rubric.loader import load_rubric
    from ..rubric.public import public_document
    from ..rubric.yaml_source import read_yaml

    rubric = load_rubric(path)
    if rubric.public:
        raise UsageError(f"{path} is already a public rubric")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--output {folder} is not a folder")
    target = folder / f"{rubric.name}.yaml"
    private = {rubric.path.resolve().parent, rubric.reference.resolve().parent}
    if rubric.samples is not None:
        private.add(rubric.samples.resolve())
    if folder.resolve() in private:
        raise UsageError(f"--output {folder} holds the course's rubric, reference or samples: publish into a folder "
                         "of its own")
    if target.exists() and not _is_public(target):
        raise UsageError(f"{target} exists and is not a public rubric: not overwriting it")
    try:
        document = public_document(read_yaml(rubric.path).data)
    except ValueError as exc:
        raise UsageError(f"{path}: {exc}") from None
    text = _HEADER.format(title=" ".join(rubric.title.split()), name=target.name) + _dump(document)
    return target, text, rubric


def _dump(document: dict) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data):  # every value written out: a student reads this file
            return True

    return yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True, default_flow_style=None,
                     width=120)


def _is_public(path: Path) -> bool:
    from ..rubric.errors import RubricError
    from ..rubric.yaml_source import read_yaml

    try:
        data = read_yaml(path).data
    except RubricError:
        return False
    return isinstance(data, dict) and data.get("public") is True


def _write_atomically(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, text, mode=0o644)


def _load_back(target: Path) -> ExitCode:
    from ..rubric.loader import load_rubric

    public = load_rubric(target, use_cache=False)
    say(f"wrote {target}: {len(public.parts())} part(s), {len(public.after_submission)} hidden part(s) graded "
        "after submission (not verified)", sys.stdout)
    return ExitCode.OK


def _verify(target: Path, reference: Path) -> ExitCode:
    """Grade the reference with the public rubric: every public point must be earned."""
    from ..api import Grader
    from ..results import CouldNotGrade
    from ..sandbox.launcher import acquire_launcher, release_launcher

    launcher = acquire_launcher()
    try:
        with Grader(target) as grader:
            outcome = grader.grade(reference, course_file=True)
    finally:
        release_launcher(launcher)
    if isinstance(outcome, CouldNotGrade):
        say(f"grade publish: {outcome.reason} (the public rubric was not kept)")
        return ExitCode.COULD_NOT_GRADE
    lost = [p for p in outcome.parts() if p.score < p.points - 1e-9]
    for part in lost:
        reason = next(iter(part.reasons()), "")
        say(f"grade publish: the reference loses points on {part.name} with the public rubric: {reason}")
    if lost:
        say("grade publish: the public rubric was not kept")
        return ExitCode.POINTS_LOST
    _summary(target, outcome.max_score, len(outcome.parts()), len(outcome.after_submission), outcome.pending)
    return ExitCode.OK


def _summary(target: Path, points: float, parts: int, withheld: int, pending: float) -> None:
    later = f"; {pending:g} point(s) compared with the reference after submission" if pending else ""
    hidden = f"; {withheld} hidden part(s) graded after submission" if withheld else ""
    say(f"wrote {target}: {parts} part(s), {points:g} point(s) checkable before submission{later}{hidden}",
        sys.stdout)
