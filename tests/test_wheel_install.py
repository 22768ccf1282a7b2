"""The distribution installs under its own name: a wheel built from this checkout, in a fresh virtual environment.

The environment has this Python's system site packages; pip takes from the package index (through
its cache) only the dependencies missing there. Nothing of the checkout is importable in it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import grader
from grader.gradescope.wheel import build_wheel

from helpers import RUBRICS, SAMPLES

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(folder)
    venv = folder / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", "--system-site-packages", str(venv)], check=True,
                   capture_output=True, timeout=120)
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                           "--disable-pip-version-check", str(wheel)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"the wheel did not install (is the package index reachable?): {done.stderr}"
    return venv, wheel


def run(venv: Path, *args, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GRADER_", "PYTHON"))}
    return subprocess.run([str(venv / "bin" / args[0]), *map(str, args[1:])], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_the_wheel_is_backprop_grader_and_installs_the_grade_command(venv, tmp_path):
    folder, wheel = venv
    assert wheel.name == f"backprop_grader-{grader.__version__}-py3-none-any.whl"
    probe = run(folder, "python", "-c", "import grader, importlib.metadata as m; print(grader.__file__); "
                "print(m.version('backprop-grader'))", cwd=tmp_path)
    where, version = probe.stdout.split()
    assert Path(where).is_relative_to(folder) and version == grader.__version__, probe.stderr
    result = run(folder, "grade", "--version", cwd=tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, f"grade {grader.__version__}")


def test_the_installed_grade_grades_a_sample(venv, tmp_path):
    folder, _ = venv
    result = run(folder, "grade", SAMPLES / "recitation5" / "correct.py", "--rubric", RUBRICS / "recitation5.yaml",
                 "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["score"] == sum(t["max_score"] for t in document["tests"]) == 16


def test_installed_from_a_wheel_grade_gradescope_bundles_a_given_wheel(venv, tmp_path):
    folder, wheel = venv
    result = run(folder, "grade", "gradescope", RUBRICS / "recitation5.yaml", "-o", tmp_path / "a.zip", cwd=tmp_path)
    assert result.returncode == 2 and "--wheel FILE" in result.stderr, result.stderr
    result = run(folder, "grade", "gradescope", RUBRICS / "recitation5.yaml", "-o", tmp_path / "a.zip",
                 "--wheel", wheel, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "a.zip").is_file()
