"""Content hashes: of a submission (what is graded) and of a rubric bundle (what grades it).

The rubric bundle is the rubric's YAML, its reference module and the grader's version:
fixing the reference or upgrading the grader changes the hash, so everyone is regraded.
The bundle's bytes are also what a cluster worker receives (no shared filesystem is
assumed); it rebuilds the two files side by side and grades with them.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_atomic
from .. import __version__
from ..rubric.model import Rubric
from ..sandbox.slots import SubmissionFiles

REFERENCE_SLOT = "reference.py"


@dataclass(frozen=True)
class RubricBundle:
    """A rubric as bytes: its YAML (with ``reference:`` rewritten to the bundled file) and the reference."""

    name: str  # the rubric's file name
    rubric: bytes
    reference: bytes
    original_reference: str  # the ``reference:`` value the YAML had
    digest: str  # sha256 of the grader version, the YAML and the reference, as read

    @classmethod
    def read(cls, rubric: Rubric) -> RubricBundle:
        text = rubric.path.read_bytes()
        if rubric.reference is None:  # a public rubric (no reference): the YAML alone
            return cls(rubric.path.name, text, b"", "", rubric_digest(text, b""))
        reference = rubric.reference.read_bytes()
        original = os.path.relpath(rubric.reference, rubric.path.resolve().parent)
        return cls(rubric.path.name, text, reference, original, rubric_digest(text, reference))

    def materialize(self, folder: Path) -> Path:
        """Write the rubric and its reference into ``folder`` (created) and return the rubric's path."""
        folder.mkdir(parents=True, exist_ok=True)
        if not self.original_reference:
            path = folder / self.name
            self._write(path, _rewrite_reference(self.rubric, "", ""))
            return path
        reference = folder / Path(self.original_reference).name
        if reference.name in (self.name, "") or reference.suffix != ".py":
            reference = folder / REFERENCE_SLOT
        self._write(reference, self.reference)
        text = _rewrite_reference(self.rubric, self.original_reference, reference.name)
        path = folder / self.name
        self._write(path, text)
        return path

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        write_atomic(path, data)


def rubric_digest(rubric: bytes, reference: bytes) -> str:
    h = hashlib.sha256()
    for part in (__version__.encode(), rubric, reference):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def content_hash(files: SubmissionFiles) -> str:
    """sha256 of a submission's files and its entry module (another ``--file`` is another submission)."""
    h = hashlib.sha256(json.dumps([files.entry, [name for name, _ in files.files]]).encode())
    for _, data in files.files:
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def _rewrite_reference(text: bytes, original: str, new: str) -> bytes:
    """The YAML with its top-level ``reference:`` pointing at ``new`` (the bundled copy, beside it), and
    without ``samples:`` (the course's sample folder, for ``grade check`` only, is not bundled)."""
    lines = [line for line in text.decode("utf-8").splitlines(keepends=True) if not line.startswith("samples:")]
    if not new:
        return "".join(lines).encode("utf-8")
    for i, line in enumerate(lines):
        if line.startswith("reference:"):
            lines[i] = f"reference: {json.dumps(new)}\n"
            return "".join(lines).encode("utf-8")
    raise ValueError(f"no top-level 'reference:' line in the rubric (expected {original})")
