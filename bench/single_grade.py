"""Wall time of one `grade` run, side by side with a bare numpy import and one pytest run.

The issue's targets for grading one submission (recitation 5's correct sample):
    grade  <= 2.5 x  python -c "import numpy"
    grade  <= 0.8 x  python -m pytest -q -p no:cacheprovider bench/equivalent/test_recitation5.py
where the pytest file is the committed equivalent of the rubric (same cases, np.allclose,
one test per part). Each round runs every command once, in an order that rotates from
round to round, so drift and cache effects hit every command alike; the ratios are the
medians of the per-round (paired) ratios.

Commands, all with the same interpreter:
    numpy import   python -c "import numpy"
    grade          python -m grader sample_submissions/recitation5/correct.py --rubric rubrics/recitation5.yaml
                   (cwd = the checkout, so `-m grader` imports that checkout's package; stdout and
                   stderr go to pipes that are read and discarded, as in a CI log)
    pytest         python -m pytest -q -p no:cacheprovider bench/equivalent/test_recitation5.py
                   (cwd = this file's checkout)
    grade (baseline)  the same `grade` command with cwd = --baseline DIR (another checkout,
                   e.g. `git worktree add ../baseline HEAD~3`), in the same rounds.

Usage:
    python bench/single_grade.py [--rounds 15] [--baseline DIR] [--checkout DIR] [--python PY] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SUBMISSION = "sample_submissions/recitation5/correct.py"
RUBRIC = "rubrics/recitation5.yaml"
EQUIVALENT = "bench/equivalent/test_recitation5.py"
TARGET_NUMPY = 2.5  # grade / numpy import, at most
TARGET_PYTEST = 0.8  # grade / pytest, at most


@dataclass(frozen=True)
class Command:
    name: str
    argv: list[str]
    cwd: Path


def commands(python: str, checkout: Path, baseline: Path | None) -> list[Command]:
    grade = [python, "-m", "grader", SUBMISSION, "--rubric", RUBRIC]
    out = [
        Command("numpy import", [python, "-c", "import numpy"], ROOT),
        Command("grade", grade, checkout),
        Command("pytest", [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", EQUIVALENT], ROOT),
    ]
    if baseline is not None:
        out.append(Command("grade (baseline)", grade, baseline))
    return out


def run(command: Command) -> tuple[float, int, bytes, bytes]:
    """Run once; the wall time (s) from start to exit with both pipes drained, the status and the output."""
    started = time.perf_counter()
    done = subprocess.run(command.argv, cwd=command.cwd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    return elapsed, done.returncode, done.stdout, done.stderr


def grader_location(python: str, checkout: Path) -> Path:
    """Which grader package `python -m grader` imports from ``checkout`` (cwd first on sys.path, as for -m)."""
    done = subprocess.run([python, "-c", "import grader; print(grader.__file__)"], cwd=checkout,
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"error: `import grader` fails in {checkout}:\n{done.stderr.strip()}")
    return Path(done.stdout.strip()).resolve()


def check_imports(python: str, checkout: Path) -> str:
    location = grader_location(python, checkout)
    if checkout.resolve() not in location.parents:
        sys.exit(f"error: from {checkout}, `python -m grader` imports {location}, not that checkout's package "
                 "(an installed copy shadows it?)")
    return str(location)


def warm_up(cmds: list[Command]) -> None:
    """Run each command once and stop with its output if it does not exit 0."""
    for command in cmds:
        elapsed, status, stdout, stderr = run(command)
        if status != 0:
            tail = (stdout.decode(errors="replace")[-1500:] + "\n" + stderr.decode(errors="replace")[-1500:]).strip()
            sys.exit(f"error: warm-up of '{command.name}' exited {status}, expected 0\n"
                     f"  cwd: {command.cwd}\n  command: {' '.join(command.argv)}\n{tail}")
        print(f"  warm-up {command.name:<17} {elapsed * 1000:7.0f} ms, exit 0", flush=True)


def measure(cmds: list[Command], rounds: int) -> tuple[dict[str, list[float]], list[list[str]]]:
    times: dict[str, list[float]] = {c.name: [] for c in cmds}
    orders: list[list[str]] = []
    for i in range(rounds):
        shift = i % len(cmds)
        order = cmds[shift:] + cmds[:shift]
        orders.append([c.name for c in order])
        for command in order:
            elapsed, status, stdout, stderr = run(command)
            if status != 0:
                sys.exit(f"error: round {i + 1}: '{command.name}' exited {status}\n"
                         f"{stderr.decode(errors='replace')[-1500:]}")
            times[command.name].append(elapsed)
    return times, orders


def quartiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def paired_ratio(times: dict[str, list[float]], top: str, bottom: str) -> dict[str, float]:
    per_round = [a / b for a, b in zip(times[top], times[bottom])]
    q1, median, q3 = quartiles(per_round)
    return {"median": median, "q1": q1, "q3": q3,
            "of_medians": statistics.median(times[top]) / statistics.median(times[bottom])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="paired rounds (default 15)")
    parser.add_argument("--baseline", type=Path, help="a second checkout whose `grade` runs in the same rounds")
    parser.add_argument("--checkout", type=Path, default=ROOT,
                        help="the checkout whose `grade` is measured (default: this file's, %(default)s)")
    parser.add_argument("--python", default=sys.executable, help="interpreter for every command (default: this one)")
    parser.add_argument("--json", type=Path, help="write the raw timings here")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    checkout = args.checkout.resolve()
    baseline = args.baseline.resolve() if args.baseline else None
    for folder in filter(None, (checkout, baseline)):
        if not (folder / SUBMISSION).is_file() or not (folder / RUBRIC).is_file():
            parser.error(f"{folder} is not a checkout of the project (no {SUBMISSION} or {RUBRIC})")

    versions = subprocess.run([args.python, "-c", "import sys, numpy; print(sys.version.split()[0], numpy.__version__)"],
                              capture_output=True, text=True).stdout.split()
    print(f"python {args.python} ({' / numpy '.join(versions) or 'numpy not importable'}), "
          f"{platform.machine()}, {os.cpu_count()} CPUs")
    located = {"grade": check_imports(args.python, checkout)}
    print(f"grade            imports {located['grade']}")
    if baseline is not None:
        located["grade (baseline)"] = check_imports(args.python, baseline)
        print(f"grade (baseline) imports {located['grade (baseline)']}")
        if located["grade"] == located["grade (baseline)"]:
            print("note: both `grade` commands import the same package")

    cmds = commands(args.python, checkout, baseline)
    warm_up(cmds)
    times, orders = measure(cmds, args.rounds)

    print(f"\n{args.rounds} rounds, order rotating; wall time in ms")
    print(f"{'command':<18} {'median':>8} {'q1':>8} {'q3':>8} {'min':>8}")
    for name, values in times.items():
        q1, median, q3 = quartiles(values)
        print(f"{name:<18} {median * 1000:8.1f} {q1 * 1000:8.1f} {q3 * 1000:8.1f} {min(values) * 1000:8.1f}")

    pairs = [("grade", "numpy import", TARGET_NUMPY), ("grade", "pytest", TARGET_PYTEST)]
    if baseline is not None:
        pairs += [("grade", "grade (baseline)", None), ("grade (baseline)", "numpy import", TARGET_NUMPY),
                  ("grade (baseline)", "pytest", TARGET_PYTEST)]
    ratios = {}
    print("\nratios: median of the paired per-round ratios [q1-q3] (ratio of the medians)")
    for top, bottom, target in pairs:
        ratio = paired_ratio(times, top, bottom)
        ratios[f"{top} / {bottom}"] = {**ratio, "target": target}
        verdict = ""
        if target is not None:
            verdict = f"  target <= {target}x: {'met' if ratio['median'] <= target else 'NOT met'}"
        print(f"{top + ' / ' + bottom:<34} {ratio['median']:5.2f}x [{ratio['q1']:.2f}-{ratio['q3']:.2f}] "
              f"({ratio['of_medians']:.2f}x){verdict}")

    if args.json:
        args.json.write_text(json.dumps({
            "python": args.python,
            "rounds": args.rounds,
            "commands": {c.name: {"argv": c.argv, "cwd": str(c.cwd)} for c in cmds},
            "grader_imported_from": located,
            "orders": orders,
            "seconds": times,
            "ratios": ratios,
        }, indent=2) + "\n")
        print(f"\nraw timings written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
