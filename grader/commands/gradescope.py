"""``grade gradescope RUBRIC -o autograder.zip``: the zip to upload as a Gradescope programming assignment's autograder.

The zip holds ``setup.sh`` and ``run_autograder`` at its root, the rubric and its reference
implementation (no samples), the grader as a wheel built from this checkout (or ``--wheel``)
and ``requirements.txt`` pinning the versions of numpy, PyYAML, jsonschema, rich and
threadpoolctl installed here. ``run_autograder`` always leaves a ``results.json``. The rubric
is validated first. Exit 0 written, 2 a usage or rubric error, 3 the wheel could not be built
or the zip written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import PlainHelp, say, say_error
from ..exit_codes import ExitCode


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade gradescope", description=__doc__.split("\n\n")[0],
                                     formatter_class=PlainHelp)
    parser.add_argument("rubric", type=Path, help="the course's rubric (its reference goes into the zip)")
    parser.add_argument("--output", "-o", type=Path, required=True, metavar="ZIP",
                        help="the zip to write (it holds the reference implementation: keep it private)")
    parser.add_argument("--wheel", type=Path, metavar="FILE",
                        help="a backprop-grader wheel to bundle instead of building one from this checkout")
    return parser


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    from ..gradescope.bundle import BundleError, build_bundle
    from ..gradescope.wheel import WheelError
    from ..rubric.errors import RubricError

    try:
        bundle = build_bundle(options.rubric, options.output, options.wheel)
    except (RubricError, BundleError) as exc:
        say_error("grade gradescope", exc)
        return ExitCode.USAGE_ERROR
    except WheelError as exc:
        say_error("grade gradescope", exc)
        return ExitCode.USAGE_ERROR if exc.usage else ExitCode.COULD_NOT_GRADE
    except OSError as exc:
        say(f"grade gradescope: could not write {options.output}: {exc.strerror or exc}")
        return ExitCode.COULD_NOT_GRADE
    say(f"wrote {bundle.path}: {bundle.rubric} and its reference, {bundle.wheel}, {', '.join(bundle.pins)}",
        sys.stdout)
    say("upload it as the assignment's autograder; it holds the reference implementation: keep it private",
        sys.stdout)
    return ExitCode.OK
