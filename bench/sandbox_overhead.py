"""Per-submission sandbox overhead: start a worker, import a submission, one call, result back, end.

Compares, in one run and on the same submission:
- zygote: workers forked from the pre-imported zygote, every isolation layer available here;
- spawn: a fresh ``python -I`` worker per submission, same layers;
- baseline: a plain ``python -c "import numpy"`` subprocess (what a naive runner pays before any work).

Usage: python bench/sandbox_overhead.py [--runs 60]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.sandbox.launcher import SpawnLauncher  # noqa: E402
from grader.sandbox.runner import RunLimits, SubmissionRunner  # noqa: E402
from grader.sandbox.zygote import ZygoteLauncher  # noqa: E402

SUBMISSION = "import numpy as np\n\ndef f(x):\n    return x @ x.T\n"


def time_submission(path: Path, launcher) -> float:
    started = time.perf_counter()
    with SubmissionRunner(path, RunLimits(), launcher) as runner:
        outcome = runner.call("f", [np.ones((4, 3))])
    elapsed = time.perf_counter() - started
    assert outcome.ok, outcome.error
    return elapsed


def time_baseline() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import numpy"], check=True)
    return time.perf_counter() - started


def measure(runs: int) -> dict[str, list[float]]:
    folder = Path(tempfile.mkdtemp())
    path = folder / "submission.py"
    path.write_text(SUBMISSION)
    zygote, spawn = ZygoteLauncher(), SpawnLauncher()
    samples: dict[str, list[float]] = {"zygote": [], "spawn": [], "baseline": []}
    try:
        for launcher in (zygote, spawn):  # warm-up: page cache, first fork
            time_submission(path, launcher)
        for _ in range(runs):  # interleaved, so drift affects all three alike
            samples["zygote"].append(time_submission(path, zygote))
            samples["spawn"].append(time_submission(path, spawn))
            samples["baseline"].append(time_baseline())
    finally:
        zygote.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60)
    runs = parser.parse_args().runs
    samples = measure(runs)
    base = statistics.median(samples["baseline"])
    print(f"per-submission overhead, median of {runs} runs (ms); ratio to the baseline")
    for name, values in samples.items():
        median = statistics.median(values)
        q1, _, q3 = statistics.quantiles(values, n=4)
        print(f"  {name:9s} {1000 * median:8.1f}   (IQR {1000 * q1:.1f}–{1000 * q3:.1f})   x{median / base:.2f}")


if __name__ == "__main__":
    main()
