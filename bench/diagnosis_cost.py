"""What automatic mutants of the reference cost: grading wrong submissions with and without them.

In one process, through ``grader.Grader`` (one sandbox launcher, one reference, as ``grade batch``
grades): each rubric's ``diag_*.py`` samples (one mistake each) are graded twice in a row by a fresh
``Grader`` — the first time the mutants' answers are computed in the reference's trusted child, the
second time they come from its cache — once as shipped and once with the mutants turned off
(``grader.session.needs_variants`` answering no). Medians over ``--repeats`` fresh ``Grader``s, in
milliseconds per submission. A correct submission never computes a mutant, so it costs nothing here.

Usage:
    python bench/diagnosis_cost.py [--repeats 5] [--rubric recitation5 ...]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import grader
import grader.session as session

ROOT = Path(__file__).resolve().parents[1]


def timed(rubric: Path, samples: list[Path], repeats: int, mutants: bool) -> tuple[float, float]:
    original = session.needs_variants
    if not mutants:
        session.needs_variants = lambda *args, **kwargs: False
    try:
        first, again = [], []
        for _ in range(repeats):
            with grader.Grader(rubric) as g:
                g.grade(samples[0].parent / "correct.py")  # start the sandbox and the reference first
                for times in (first, again):
                    started = time.perf_counter()
                    for sample in samples:
                        g.grade(sample, course_file=True)
                    times.append((time.perf_counter() - started) / len(samples))
        return 1000 * statistics.median(first), 1000 * statistics.median(again)
    finally:
        session.needs_variants = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rubric", nargs="*", default=["recitation5", "ps5", "two_layer"])
    options = parser.parse_args()
    print(f"{'rubric':12} {'samples':>7}  {'without mutants':>24}  {'with mutants':>24}")
    print(f"{'':12} {'':>7}  {'first':>11} {'cached':>12}  {'first':>11} {'cached':>12}")
    for name in options.rubric:
        samples = sorted((ROOT / "sample_submissions" / name).glob("diag_*.py"))
        rubric = ROOT / "rubrics" / f"{name}.yaml"
        off = timed(rubric, samples, options.repeats, mutants=False)
        on = timed(rubric, samples, options.repeats, mutants=True)
        print(f"{name:12} {len(samples):>7}  {off[0]:8.0f} ms {off[1]:9.0f} ms  {on[0]:8.0f} ms {on[1]:9.0f} ms")


if __name__ == "__main__":
    main()
