"""Per-submission sandbox overhead: start a worker, import a submission, one call, result back, end.

Every available isolation layer is on. Compared in one run, on the same submission:
- zygote-ready: workers forked from the clean pre-imported zygote, the spare worker
  already sandboxed when the submission arrives (batch grading, where grading one
  submission takes longer than sandboxing the next: 30 ms pass between submissions,
  outside the timed region);
- zygote: the same, submissions back to back with no pause (trivial submissions: the
  spare is still sandboxing itself when the next one arrives);
- zygote-cold: no spare (what a single ``grade`` run pays);
- spawn: a fresh ``python -I`` worker per submission;
- baseline: a plain ``python -c "import numpy"`` subprocess (what a naive runner pays
  before doing any work).

Submissions are graded back to back in blocks of each mode, the blocks repeated in
rotation so machine drift hits every mode alike.

Usage: python bench/sandbox_overhead.py [--runs 60] [--blocks 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.sandbox.launcher import SpawnLauncher  # noqa: E402
from grader.sandbox.runner import SubmissionRunner  # noqa: E402
from grader.sandbox.slots import SubmissionFiles  # noqa: E402
from grader.sandbox.zygote import ZygoteLauncher  # noqa: E402

SUBMISSION = "import numpy as np\n\ndef f(x):\n    return x @ x.T\n"


def grade_once(path: Path, launcher, pause: float = 0.0) -> float:
    time.sleep(pause)
    started = time.perf_counter()
    with SubmissionRunner(SubmissionFiles.single(path.read_bytes()), launcher) as runner:
        outcome = runner.call("f", [np.ones((4, 3))])
    elapsed = time.perf_counter() - started
    assert outcome.ok, (launcher.name, outcome.error, bytes(runner._stderr[:2000]).decode())
    return elapsed


def baseline_once() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import numpy"], check=True)
    return time.perf_counter() - started


def measure(runs: int, blocks: int) -> dict[str, list[float]]:
    path = Path(tempfile.mkdtemp()) / "submission.py"
    path.write_text(SUBMISSION)
    launchers = {"zygote-ready": ZygoteLauncher(), "zygote": ZygoteLauncher(),
                 "zygote-cold": ZygoteLauncher(keep_spare=False), "spawn": SpawnLauncher()}
    modes: dict[str, Callable[[], float]] = {
        name: (lambda l=launcher, p=(0.03 if name == "zygote-ready" else 0.0): grade_once(path, l, p))
        for name, launcher in launchers.items()}
    modes["baseline"] = baseline_once
    samples: dict[str, list[float]] = {name: [] for name in modes}
    try:
        for run in modes.values():  # warm-up: page cache, first fork, first spare
            run()
        for _ in range(blocks):
            for name, run in modes.items():
                samples[name] += [run() for _ in range(max(1, runs // blocks))]
    finally:
        for launcher in launchers.values():
            launcher.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60, help="submissions per mode")
    parser.add_argument("--blocks", type=int, default=3, help="rotations of the modes")
    options = parser.parse_args()
    samples = measure(options.runs, options.blocks)
    base = statistics.median(samples["baseline"])
    print(f"per-submission overhead, median of {len(samples['baseline'])} runs per mode (ms); ratio to the baseline")
    for name, values in samples.items():
        median = statistics.median(values)
        q1, _, q3 = statistics.quantiles(values, n=4)
        print(f"  {name:12s} {1000 * median:8.1f}   (IQR {1000 * q1:6.1f} – {1000 * q3:6.1f})   x{median / base:.3f}")


if __name__ == "__main__":
    main()
