"""Where things are: Gradescope's ``/autograder`` tree, and the bundle's own files in its source folder.

Gradescope unpacks the bundle in ``/autograder/source``, puts the student's upload in
``/autograder/submission`` and reads ``/autograder/results/results.json``. Tests set
``AUTOGRADER_ROOT=/tmp/x`` so that ``/autograder`` is ``/tmp/x/autograder``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

ROOT_VARIABLE = "AUTOGRADER_ROOT"

# The bundle's files, at the root of the zip (Gradescope's source folder).
SETUP = "setup.sh"
RUN = "run_autograder"
MANIFEST = "bundle.json"
REQUIREMENTS = "requirements.txt"
RUBRIC_FOLDER = "rubric"
INSTALLED_PYTHON = "installed-python"  # written by setup.sh: the interpreter run_autograder starts
MANIFEST_FORMAT = "backprop-grader-bundle/1"


@dataclass(frozen=True)
class Tree:
    """Gradescope's autograder tree."""

    root: Path  # /autograder

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def submission(self) -> Path:
        return self.root / "submission"

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def results_file(self) -> Path:
        return self.results / "results.json"

    @property
    def metadata(self) -> Path:
        """The submission's metadata: the students, and the results of their earlier submissions."""
        return self.root / "submission_metadata.json"


def tree(environ: Mapping[str, str] = os.environ) -> Tree:
    """The tree, under ``AUTOGRADER_ROOT`` when it is set (tests)."""
    prefix = environ.get(ROOT_VARIABLE, "")
    return Tree(Path(prefix) / "autograder" if prefix else Path("/autograder"))


@dataclass(frozen=True)
class Manifest:
    """What the bundle holds (``bundle.json``): the rubric to grade with and how it was built."""

    rubric: str  # relative to the source folder
    wheel: str
    grader_version: str
    python: str  # the Python version the pins were tested with, e.g. "3.11"

    def to_json(self) -> str:
        return json.dumps({"format": MANIFEST_FORMAT, **self.__dict__}, indent=2) + "\n"


def read_manifest(source: Path) -> Manifest:
    """The manifest in ``source``; ValueError (or OSError) if it is missing or not one of ours."""
    data = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"{source / MANIFEST} is not a {MANIFEST_FORMAT} manifest")
    rubric = data.get("rubric")
    if not isinstance(rubric, str) or rubric.startswith("/") or ".." in Path(rubric).parts:
        raise ValueError(f"{source / MANIFEST}: the rubric must be a path inside the source folder")
    return Manifest(rubric, str(data.get("wheel", "")), str(data.get("grader_version", "")),
                    str(data.get("python", "")))
