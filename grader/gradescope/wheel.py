"""The grader as a wheel, for the bundle: built from this checkout, or one given with ``--wheel``.

The checkout's ``pyproject.toml``, ``README.md`` and ``grader/`` package (without compiled
files) are copied to a temporary folder and built there with ``pip wheel --no-deps``, so the
checkout gets no ``build/`` or ``*.egg-info`` folder and concurrent builds do not meet. pip
fetches the build backend (setuptools) from the package index, as ``pip install .`` does.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

DISTRIBUTION = "backprop-grader"
_RUNNER = "grader/gradescope/__main__.py"
_PROJECT_FILES = ("pyproject.toml", "README.md")


class WheelError(Exception):
    """No wheel: a usage problem (``usage=True``: exit 2) or the build failed (exit 3)."""

    def __init__(self, message: str, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


def checkout() -> Path | None:
    """The source checkout this grader runs from, or None (installed from a wheel)."""
    root = Path(__file__).resolve().parents[2]
    if all((root / name).is_file() for name in _PROJECT_FILES) and (root / "grader" / "__init__.py").is_file():
        return root
    return None


def build_wheel(into: Path) -> Path:
    """Build the grader's wheel from the checkout into folder ``into``; returns its path."""
    root = checkout()
    if root is None:
        raise WheelError("this grader is not run from its source checkout, so there is nothing to build a wheel "
                         f"from: pass --wheel FILE (a {DISTRIBUTION} wheel, built in a clone with "
                         "`pip wheel --no-deps .`)", usage=True)
    with tempfile.TemporaryDirectory(prefix="grader-wheel-") as temporary:
        staged, built = Path(temporary) / "src", Path(temporary) / "dist"
        staged.mkdir()
        for name in _PROJECT_FILES:
            shutil.copy2(root / name, staged / name)
        shutil.copytree(root / "grader", staged / "grader",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
                               "--quiet", "--wheel-dir", str(built), str(staged)],
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)
        wheels = sorted(built.glob("*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise WheelError(f"pip could not build the grader's wheel (exit {done.returncode}): "
                             + (" / ".join(detail) or "no wheel was written"))
        return Path(shutil.copy2(wheels[0], into / wheels[0].name))


def check_wheel(path: Path) -> None:
    """Refuse a file that is not a wheel of this grader with its Gradescope runner."""
    if path.suffix != ".whl" or not path.is_file():
        raise WheelError(f"--wheel {path}: not a wheel file (*.whl)", usage=True)
    try:
        with zipfile.ZipFile(path) as wheel:
            names = set(wheel.namelist())
    except (OSError, zipfile.BadZipFile) as exc:
        raise WheelError(f"--wheel {path}: cannot read it: {exc}", usage=True) from None
    if _RUNNER not in names:
        raise WheelError(f"--wheel {path}: not a wheel of {DISTRIBUTION} with the Gradescope runner "
                         f"({_RUNNER} is missing)", usage=True)
