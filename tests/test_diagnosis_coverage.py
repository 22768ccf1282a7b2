"""Every generic diagnosis class is exercised by at least one sample submission.

``python -m grader check rubrics/`` asserts each diagnosis a sample's ``expected.yaml`` declares;
this fast test (no grading) makes sure those declarations keep covering every class in
``grader.checks.diagnose.KINDS``, so deleting the last sample of a class fails here, and that every
mistake of the backprop mistake catalogue that a shipped rubric can show has at least three
diagnosis samples (``diag_*.py``, one mistake each, in different styles) that get its class.
"""

from __future__ import annotations

import pytest
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


# The backprop mistake catalogue, row by row: the class a sample with that one mistake must get (a rubric's
# declared mistake for the same thing counts too: it names it in the handout's words).
CATALOGUE = {
    "transposed gradient (also a same-shape J·v for v·J)": "transposed",
    "sign error (y − ŷ for ŷ − y), gradient ascent": "sign_flipped",
    "missing ½ or 2, sum vs mean over the batch": "scaled",
    "σ′ applied to the activation, σ′(σ(a))": "sigma_prime_of_activation",
    "z(1 − z) fed the pre-activation, a(1 − a)": "sigma_prime_of_preactivation",
    "σ′, tanh′ or ReLU′ dropped from the propagated delta": "activation_derivative_missing",
    "ReLU′(0) = 1 instead of 0": "relu_at_zero",
    "ReLU mask built from the wrong array": "relu_mask_wrong_array",
    "bias weight β₀ kept in hidden backprop": ("bias_row_included", "mistake:backward_bias_in_hidden"),
    "bias column missing": "bias_column_dropped",
    "bias column appended last": "bias_column_last",
    "bias left out of the forward pass": "bias_missing",
    "db not summed over the batch (a sum not reduced)": "wrong_shape",
    "(n,) vs (n, 1) broadcasting": "broadcast",
    "scalar broadcasting: a (1,) array for a number": "reshaped",
    "= instead of += at a fork, one path of the chain rule": "missing_path",
    "wrong update order": "update_order",
    "integer arrays truncate": "integer_truncation",
    "softmax without max-subtraction (NaN for large logits)": "non_finite",
}


def _diagnosis_samples() -> dict[str, set[str]]:
    """Diagnosis class -> the diagnosis samples (diag_*.py) that declare it on some part."""
    found: dict[str, set[str]] = {}
    for kind, where in _declared_diagnoses().items():
        for entry in where:
            sample = entry.split(":")[0]
            if sample.split("/")[1].startswith("diag_"):
                found.setdefault(kind, set()).add(sample)
    return found


def _labels(row: str) -> tuple[str, ...]:
    labels = CATALOGUE[row]
    return (labels,) if isinstance(labels, str) else labels


@pytest.mark.parametrize("row", CATALOGUE, ids=lambda row: _labels(row)[0])
def test_every_catalogue_mistake_has_three_diagnosis_samples(row):
    found = _diagnosis_samples()
    samples = set().union(*(found.get(label, set()) for label in _labels(row)))
    assert len(samples) >= 3, f"{row}: only {sorted(samples)} get {_labels(row)}"
    assert _labels(row)[0] in KINDS


def test_diagnosis_samples_span_the_rubrics():
    rubrics = {sample.split("/")[0] for samples in _diagnosis_samples().values() for sample in samples}
    assert len(rubrics) >= 5
