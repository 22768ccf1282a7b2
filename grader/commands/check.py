"""``grade check [RUBRIC_OR_DIR ...]``: the course repo's self-test before publishing an assignment.

Validates every rubric, grades each rubric's reference as a submission (it must get
full marks) and every sample submission against the per-part scores its
``expected.yaml`` declares. Exit 1 on any mismatch, 2 on an invalid rubric.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.table import Table
from rich.text import Text

from ..exit_codes import ExitCode
from ..report.terminal import make_console
from ..rubric.errors import RubricError
from ..sandbox.launcher import acquire_launcher, release_launcher
from ..selftest import SampleOutcome, check_rubric, find_rubrics


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade check", description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[Path("rubrics")],
                        help="rubric files or folders of rubrics (default: rubrics/)")
    return parser


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    rubrics = find_rubrics(options.paths)
    missing = [p for p in rubrics if not p.is_file()]
    if missing or not rubrics:
        print(f"grade check: error: no rubric at {missing[0] if missing else ' '.join(map(str, options.paths))}",
              file=sys.stderr)
        return ExitCode.USAGE_ERROR
    console = make_console()
    launcher = acquire_launcher()
    outcomes: list[SampleOutcome] = []
    invalid = False
    try:
        for path in rubrics:
            try:
                outcomes += check_rubric(path)
            except RubricError as exc:
                console.print(Text(f"✗ {exc}", style="red"))
                invalid = True
    finally:
        release_launcher(launcher)
    console.print(_table(outcomes))
    for outcome in outcomes:
        for line in outcome.mismatches:
            console.print(Text(f"✗ {outcome.rubric}/{outcome.sample}: {line}", style="red"))
    failed = sum(not o.ok for o in outcomes)
    console.print(f"{len(outcomes) - failed} passed, {failed} failed")
    if invalid:
        return ExitCode.USAGE_ERROR
    return ExitCode.POINTS_LOST if failed else ExitCode.OK


def _table(outcomes: list[SampleOutcome]) -> Table:
    table = Table(title="grade check", title_justify="left")
    for column in ("rubric", "submission", "score", "as declared"):
        table.add_column(column, justify="right" if column == "score" else "left")
    for o in outcomes:
        verdict = Text("✓", style="green") if o.ok else Text(f"✗ {len(o.mismatches)} mismatch(es)", style="red")
        table.add_row(Text(o.rubric), Text(o.sample), f"{o.score:g} / {o.max_score:g}", verdict)
    return table
