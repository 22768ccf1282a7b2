"""Throughput of `grade batch` against a shell loop of `grade` calls and one pytest run per submission.

The class: COPIES copies of every recitation 5 sample that does not time out (11 samples,
so 20 copies = 220 submissions), one file per student. Each round, in an order that
rotates from round to round:

    batch    python -m grader batch CLASS --rubric rubrics/recitation5.yaml --out FRESH --jobs 2
    loop     for f in SUBSET; do python -m grader $f --rubric rubrics/recitation5.yaml --format json; done
    pytest   for f in SUBSET; do SUBMISSION=$f python -m pytest -q -p no:cacheprovider
                                 bench/equivalent/test_recitation5.py; done

The two loops run over a SUBSET (one copy of each sample, --loop-copies copies) because
they cost about a second per submission; their figure is seconds per submission, and the
ratios compare per-submission times. The targets: batch >= 50 submissions/s and
>= 20x the shell loop. Separately (once): the cost of a timing-out submission
(infinite_loop.py, graded in a batch of its own), and the batch client's peak memory
(VmHWM, polled) at --memory-sizes submissions, with each grading process's peak beside it.

Usage:
    python bench/batch_throughput.py [--copies 20] [--rounds 3] [--loop-copies 1] [--jobs 2]
                                     [--memory-sizes 200 2000] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_submissions" / "recitation5"
RUBRIC = ROOT / "rubrics" / "recitation5.yaml"
EQUIVALENT = ROOT / "bench" / "equivalent" / "test_recitation5.py"
TIMES_OUT = {"infinite_loop.py"}
TARGET_RATE = 50.0
TARGET_RATIO = 20.0


def samples() -> list[Path]:
    return sorted(p for p in SAMPLES.glob("*.py") if p.name not in TIMES_OUT)


def make_class(folder: Path, copies: int, sources: list[Path]) -> list[Path]:
    folder.mkdir(parents=True)
    made = []
    for copy in range(copies):
        for source in sources:
            target = folder / f"{source.stem}_{copy:04d}.py"
            shutil.copy(source, target)
            made.append(target)
    return made


def env() -> dict[str, str]:
    out = dict(os.environ, PYTHONPATH=str(ROOT))
    out.pop("FORCE_COLOR", None)
    return out


def run_batch(python: str, cls: Path, out: Path, jobs: int, watch: bool = False) -> tuple[float, dict]:
    """Wall time of one batch (fresh output folder) and, with ``watch``, peak memory figures."""
    shutil.rmtree(out, ignore_errors=True)
    argv = [python, "-m", "grader", "batch", str(cls), "--rubric", str(RUBRIC), "--out", str(out), "--jobs", str(jobs)]
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peaks: dict[str, int] = {}
    watcher = threading.Thread(target=_watch, args=(process, peaks), daemon=True) if watch else None
    if watcher:
        watcher.start()
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    if watcher:
        watcher.join()
    if process.returncode != 0:
        sys.exit(f"error: batch exited {process.returncode}\n{stderr.decode(errors='replace')[-2000:]}")
    return elapsed, peaks


def _watch(process: subprocess.Popen, peaks: dict[str, int]) -> None:
    """Poll VmHWM (peak resident memory, kB) of the batch client and of its grading processes."""
    while process.poll() is None:
        peaks["client"] = max(peaks.get("client", 0), _hwm(process.pid))
        for child in _children(process.pid):
            peaks["grading process"] = max(peaks.get("grading process", 0), _hwm(child))
        time.sleep(0.1)


def _hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for t in os.listdir(f"/proc/{pid}/task")
                for c in Path(f"/proc/{pid}/task/{t}/children").read_text().split()]
    except OSError:
        return []


def run_loop(argvs: list[tuple[list[str], dict]], cwd: Path) -> float:
    """Run each command in turn in ``cwd`` (a submission that saves files writes them there, not in the checkout)."""
    started = time.perf_counter()
    for argv, extra in argvs:
        done = subprocess.run(argv, cwd=cwd, env={**env(), **extra}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        if done.returncode not in (0, 1):
            sys.exit(f"error: {' '.join(argv)} exited {done.returncode}")
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=20, help="copies of each sample in the class (default 20)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--loop-copies", type=int, default=1, help="copies of each sample in the loops' subset")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--memory-sizes", type=int, nargs="*", default=[200, 2000])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        return _bench(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _bench(args, work: Path) -> int:
    sources = samples()
    cls = make_class(work / "class", args.copies, sources)
    subset = make_class(work / "subset", args.loop_copies, sources)
    python = args.python
    print(f"python {python}, {platform.machine()}, {os.cpu_count()} CPUs; class of {len(cls)} submissions "
          f"({len(sources)} samples x {args.copies}), loops over {len(subset)}; --jobs {args.jobs}", flush=True)
    grade = [([python, "-m", "grader", str(f), "--rubric", str(RUBRIC), "--format", "json"], {}) for f in subset]
    pytest = [([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EQUIVALENT)], {"SUBMISSION": str(f)})
              for f in subset]
    run_batch(python, work / "class", work / "out", args.jobs)  # warm-up: caches, page cache
    commands = {
        "batch": lambda: run_batch(python, work / "class", work / "out", args.jobs)[0] / len(cls),
        "loop": lambda: run_loop(grade, work) / len(subset),
        "pytest": lambda: run_loop(pytest, work) / len(subset),
    }
    per_sub: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for i in range(args.rounds):
        order = names[i % 3:] + names[:i % 3]
        for name in order:
            per_sub[name].append(commands[name]())
        print(f"  round {i + 1}: " + ", ".join(f"{n} {per_sub[n][-1] * 1000:.1f} ms/sub" for n in names), flush=True)

    print(f"\n{args.rounds} rounds; seconds per submission (median [min-max]) and throughput")
    for name in names:
        values = per_sub[name]
        print(f"  {name:<7} {statistics.median(values) * 1000:8.1f} ms  [{min(values) * 1000:.1f}-"
              f"{max(values) * 1000:.1f}]   {1 / statistics.median(values):7.1f} submissions/s")
    rate = 1 / statistics.median(per_sub["batch"])
    ratios = {other: statistics.median([o / b for o, b in zip(per_sub[other], per_sub["batch"])])
              for other in ("loop", "pytest")}
    print(f"\n  batch rate {rate:.1f}/s  target >= {TARGET_RATE:g}/s: {'met' if rate >= TARGET_RATE else 'NOT met'}")
    for other, ratio in ratios.items():
        target = f"  target >= {TARGET_RATIO:g}x: {'met' if ratio >= TARGET_RATIO else 'NOT met'}" \
            if other == "loop" else ""
        print(f"  batch vs {other:<7} {ratio:6.1f}x faster per submission (median of paired rounds){target}")

    slow = make_class(work / "slow", 4, [SAMPLES / name for name in sorted(TIMES_OUT)])
    seconds, _ = run_batch(python, work / "slow", work / "slow-out", args.jobs)
    slow_each = seconds / len(slow)
    print(f"\n  timing-out submission (infinite_loop.py, {len(slow)} in a batch): {slow_each:.2f} s each "
          f"({seconds:.1f} s for {len(slow)} with --jobs {args.jobs})")

    memory = {}
    for size in args.memory_sizes:
        copies = -(-size // len(sources))
        folder = work / f"mem{size}"
        made = make_class(folder, copies, sources)
        seconds, peaks = run_batch(python, folder, work / f"mem{size}-out", args.jobs, watch=True)
        memory[len(made)] = {**peaks, "seconds": seconds}
        print(f"  peak memory at {len(made)} submissions: client {peaks.get('client', 0) / 1024:.1f} MiB, "
              f"grading process {peaks.get('grading process', 0) / 1024:.1f} MiB ({len(made) / seconds:.1f}/s)",
              flush=True)
    if args.json:
        args.json.write_text(json.dumps({"class": len(cls), "subset": len(subset), "jobs": args.jobs,
                                         "seconds_per_submission": per_sub, "ratios": ratios, "rate": rate,
                                         "timing_out_seconds_each": slow_each,
                                         "memory_kib": memory}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
