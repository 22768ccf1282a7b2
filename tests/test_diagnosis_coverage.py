"""Every generic diagnosis class is exercised by at least one sample submission.

``python -m grader check rubrics/`` asserts each diagnosis a sample's ``expected.yaml`` declares;
this fast test (no grading) makes sure those declarations keep covering every class in
``grader.checks.diagnose.KINDS``, so deleting the last sample of a class fails here.
"""

from __future__ import annotations

import yaml

from grader.checks.diagnose import KINDS
from helpers import SAMPLES


def _declared_diagnoses() -> dict[str, list[str]]:
    """Diagnosis class -> the "folder/sample: part" entries that declare it."""
    declared: dict[str, list[str]] = {}
    files = sorted(SAMPLES.glob("*/expected.yaml"))
    assert files, f"no expected.yaml under {SAMPLES}"
    for file in files:
        raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        assert isinstance(raw, dict), f"{file}: expected a mapping of sample file -> expectations"
        for sample, spec in raw.items():
            for part, kind in ((spec or {}).get("diagnoses") or {}).items():
                declared.setdefault(str(kind), []).append(f"{file.parent.name}/{sample}: {part}")
    return declared


def test_every_generic_diagnosis_class_has_a_sample():
    declared = _declared_diagnoses()
    missing = [kind for kind in KINDS if kind not in declared]
    assert not missing, (
        f"no sample submission declares the diagnosis class(es) {missing}: add a realistic wrong sample "
        "that triggers each one and declare it under `diagnoses:` in its expected.yaml")


def test_declared_classes_are_known():
    """A typo in a declared class would silently not count towards coverage."""
    declared = _declared_diagnoses()
    unknown = {kind: where for kind, where in declared.items()
               if kind not in KINDS and not kind.startswith("mistake:")}
    assert not unknown, f"unknown diagnosis classes declared: {unknown}"
