"""Test helpers: the repo's paths and a way to run the ``grade`` CLI as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUBRICS = REPO / "rubrics"
SAMPLES = REPO / "sample_submissions"


def run_grade(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m grader ARGS`` from the repo root and capture its output.

    The CI's own ``GITHUB_*`` variables are left out (a grade run in GitHub Actions would otherwise annotate
    the real commit and write the real job summary); a test that simulates GitHub passes its own in ``env``."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    full_env.update(env or {})
    full_env.pop("FORCE_COLOR", None)
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=REPO, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
