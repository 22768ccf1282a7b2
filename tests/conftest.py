"""Shared fixtures, and the guard that keeps the unit tests (not marked ``sandbox``) process-free."""

from __future__ import annotations

import itertools
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

_STARTED_A_PROCESS = "unit test started a process: mark it sandbox"


def _refuse(*args, **kwargs):
    raise AssertionError(_STARTED_A_PROCESS)


@pytest.fixture(autouse=True)
def _no_process_outside_sandbox_tests(request, monkeypatch):
    """A test not marked ``sandbox`` may not fork, spawn or exec: ``-m 'not sandbox'`` starts no process."""
    if request.node.get_closest_marker("sandbox") is not None:
        yield
        return
    for name in ("fork", "forkpty", "posix_spawn", "posix_spawnp", "system"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, _refuse)
    monkeypatch.setattr(subprocess.Popen, "__init__", _refuse)
    try:  # multiprocessing's spawn and forkserver start processes without subprocess.Popen
        import _posixsubprocess
    except ImportError:  # pragma: no cover - not POSIX
        pass
    else:
        monkeypatch.setattr(_posixsubprocess, "fork_exec", _refuse)
    yield


@pytest.fixture(autouse=True)
def _no_github_environment(monkeypatch):
    """Run every test as if outside GitHub Actions: a `grade` started by a test must not annotate the real
    commit or write the real job summary. Tests that simulate GitHub pass its variables explicitly."""
    for name in [n for n in os.environ if n.startswith("GITHUB_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def make_rubric(tmp_path, monkeypatch):
    """Load a rubric from a YAML string (with an empty ref.py beside it), keeping the user's rubric cache out."""
    from grader.rubric.loader import load_rubric

    monkeypatch.setenv("GRADER_NO_CACHE", "1")
    counter = itertools.count()

    def _make(text: str):
        folder = tmp_path / f"rubric{next(counter)}"
        folder.mkdir()
        (folder / "ref.py").write_text("", encoding="utf-8")
        path = folder / "r.yaml"
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return load_rubric(path, use_cache=False)

    return _make


@pytest.fixture
def write(tmp_path):
    """Write a dedented file under tmp_path and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return _write
