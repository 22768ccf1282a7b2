"""Inside GitHub Actions (``GITHUB_ACTIONS=true``): annotations, the job summary and step outputs.

The runner reads workflow commands from a step's stdout and stderr; the job summary is the
file ``$GITHUB_STEP_SUMMARY`` names (Markdown, appended); step outputs go to the file
``$GITHUB_OUTPUT`` names. What to write comes from ``grader.report.github``; this module
only finds the files and writes them. Paths in annotations are relative to
``$GITHUB_WORKSPACE`` (the repository), as GitHub places annotations by them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Mapping, TextIO

from . import say


def active(env: Mapping[str, str] = os.environ) -> bool:
    """Whether this process runs as a GitHub Actions step."""
    return env.get("GITHUB_ACTIONS") == "true"


def repository_path(path: Path | str, env: Mapping[str, str] = os.environ) -> str:
    """``path`` relative to the workspace when it lies inside it (as annotations need), else as given."""
    workspace = env.get("GITHUB_WORKSPACE")
    if workspace:
        try:
            return Path(os.path.abspath(path)).relative_to(os.path.abspath(workspace)).as_posix()
        except ValueError:
            pass
    return Path(path).as_posix()


def emit(lines: Iterable[str], stream: TextIO) -> None:
    """Print workflow commands, one per line (a closed stream is no error: the grade stands)."""
    try:
        for line in lines:
            print(line, file=stream)
        stream.flush()
    except (OSError, ValueError, AttributeError):
        pass


def append_summary(markdown: str, env: Mapping[str, str] = os.environ) -> None:
    """Append to the job summary, if the runner gave one; a file that cannot be written is a warning."""
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as stream:
            stream.write(markdown if markdown.endswith("\n") else markdown + "\n")
    except OSError as exc:
        say(f"grade: warning: cannot write the job summary to {target}: {exc.strerror or exc}")


def set_outputs(text: str, env: Mapping[str, str] = os.environ) -> bool:
    """Append step outputs (already formatted) to ``$GITHUB_OUTPUT``; False when that file cannot be written."""
    target = env.get("GITHUB_OUTPUT")
    if not target:
        return True
    try:
        with open(target, "a", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        say(f"grade: cannot write the step outputs to {target}: {exc.strerror or exc}")
        return False
    return True
