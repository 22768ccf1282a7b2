"""Recitation 5 as a plain pytest file: what a TA would write instead of a rubric.

It checks what ``grade SUBMISSION --rubric rubrics/recitation5.yaml`` checks, one test
per rubric part: the handout's literal values on the handout case, exact shapes, and
agreement with the reference on 20 seeded random cases (plus the handout case where
the rubric's part names it) with ``np.allclose(student, reference, rtol=1e-6,
atol=1e-9)``. It is the comparison point of ``bench/single_grade.py``: no sandbox, no
rubric, no diagnosis, the submission imported straight into the test process.

Nothing here comes from the ``grader`` package or the YAML; the dimension ranges and
the handout's numbers are written out below. The random cases are drawn the way the
grader draws them (a generator seeded with the rubric's seed, the function's name and
the case number; dimensions drawn from their ranges, distinct from each other; every
argument standard normal), so both see the same inputs.

    SUBMISSION=path/to/submission.py python -m pytest -q -p no:cacheprovider bench/equivalent/test_recitation5.py

``SUBMISSION`` defaults to sample_submissions/recitation5/correct.py and ``REFERENCE`` to
rubrics/recitation5_reference.py, both in this checkout.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import zlib
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SUBMISSION = Path(os.environ.get("SUBMISSION", ROOT / "sample_submissions" / "recitation5" / "correct.py"))
REFERENCE = Path(os.environ.get("REFERENCE", ROOT / "rubrics" / "recitation5_reference.py"))

SEED = 20241011
RANDOM_CASES = 20
RTOL, ATOL = 1e-6, 1e-9
DIMENSIONS = {"d": (2, 6), "h": (2, 6), "p": (2, 6), "r": (2, 6), "n": (2, 6), "m": (2, 6),
              "N": (8, 14), "k": (2, 5)}

# Each function's parameters, in call order, as shapes over the named dimensions; and the
# dimensions its parameters and outputs mention (drawn in sorted order, like the grader).
SIGNATURES = {
    "forward": ({"alpha": "h,d+1", "beta": "1,h+1", "x": "d", "y": ""}, "dh"),
    "backward": ({"alpha": "h,d+1", "beta": "1,h+1", "x": "d", "y": ""}, "dh"),
    "chain_rule": ({"dy_dx": "p,r", "dz_dy": "r,n"}, "npr"),
    "d_Ax_dx": ({"A": "m,n", "x": "n"}, "mn"),
    "linear_regression": ({"X": "N,k", "y": "N"}, "Nk"),
}

HANDOUT = {  # section 2 and 4 of the handout: α, β, x₁ = 1, x₂ = 2, y = 3
    "alpha": np.array([[2.0, 1.0, 0.0], [0.0, 2.0, 0.0]]),
    "beta": np.array([[0.0, 1.0, 2.0]]),
    "x": np.array([1.0, 2.0]),
    "y": np.array(3.0),
}


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def student():
    return _load("recitation5_submission", SUBMISSION)


@pytest.fixture(scope="session")
def reference():
    return _load("recitation5_reference", REFERENCE)


# -- cases -------------------------------------------------------------------


def _resolve(shape: str, dims: dict[str, int]) -> tuple[int, ...]:
    out = []
    for entry in filter(None, shape.split(",")):
        name, _, offset = entry.partition("+")
        out.append(int(name) if name.isdigit() else dims[name] + int(offset or 0))
    return tuple(out)


@functools.lru_cache(maxsize=None)
def random_case(function: str, k: int) -> tuple[dict[str, int], tuple[np.ndarray, ...]]:
    """Random case ``k`` of ``function``: its dimensions and its arguments."""
    params, names = SIGNATURES[function]
    rng = np.random.default_rng([SEED, zlib.crc32(function.encode()), k])
    for _ in range(200):  # distinct dimensions, so a transposed shape cannot pass
        dims = {n: int(rng.integers(DIMENSIONS[n][0], DIMENSIONS[n][1] + 1)) for n in sorted(names)}
        if len(set(dims.values())) == len(dims):
            break
    args = tuple(np.asarray(rng.normal(0.0, 1.0, size=_resolve(s, dims)), dtype=np.float64) for s in params.values())
    return dims, args


def cases(function: str, handout: bool = False) -> list[tuple[str, dict[str, int], tuple[np.ndarray, ...]]]:
    """The cases a reference check uses: the handout's (if the part names it), then the random ones."""
    out = []
    if handout:
        params, _ = SIGNATURES[function]
        out.append(("handout", {"d": 2, "h": 2}, tuple(HANDOUT[p] for p in params)))
    for k in range(RANDOM_CASES):
        dims, args = random_case(function, k)
        out.append((f"random #{k + 1}", dims, args))
    return out


def call(module, function: str, args, output: int | None = None) -> np.ndarray:
    """The module's answer as a float64 array (one output of a tuple), on copies of the arguments."""
    value = getattr(module, function)(*(a.copy() for a in args))
    if output is not None:
        value = value[output]
    return np.asarray(value, dtype=np.float64)


def assert_matches(student_value: np.ndarray, expected, label: str) -> None:
    """Exact shape (no broadcasting), then ``np.allclose`` with the reference on the right."""
    expected = np.asarray(expected, dtype=np.float64)
    assert student_value.shape == expected.shape, f"{label}: shape {student_value.shape}, expected {expected.shape}"
    assert np.allclose(student_value, expected, rtol=RTOL, atol=ATOL), \
        f"{label}: got {student_value}, expected {expected}"


def check_reference(student, reference, function: str, output: int | None = None, handout: bool = False,
                    shape=None) -> None:
    """Every case: the exact ``shape(dims)`` if given, and agreement with the reference."""
    for label, dims, args in cases(function, handout):
        mine = call(student, function, args, output)
        if shape is not None:
            assert mine.shape == shape(dims), f"{label} {dims}: shape {mine.shape}, expected {shape(dims)}"
        assert_matches(mine, call(reference, function, args, output), f"{label} {dims}")


def handout(module, function: str, output: int) -> np.ndarray:
    return call(module, function, (HANDOUT["alpha"], HANDOUT["beta"], HANDOUT["x"], HANDOUT["y"]), output)


# -- question 1: matrix calculus --------------------------------------------


def test_1_3_chain_rule(student, reference):
    check_reference(student, reference, "chain_rule", shape=lambda d: (d["p"], d["n"]))


def test_1_6_d_Ax_dx(student, reference):
    check_reference(student, reference, "d_Ax_dx", shape=lambda d: (d["n"], d["m"]))


def test_1_8_linear_regression(student, reference):
    check_reference(student, reference, "linear_regression", shape=lambda d: (d["k"],))


# -- question 2: forward propagation (a, z, y_hat, loss) -------------------


def test_2_a(student, reference):
    assert_matches(handout(student, "forward", 0), [3, 2], "handout")
    check_reference(student, reference, "forward", 0, handout=True)


def test_2_z(student, reference):
    assert_matches(handout(student, "forward", 1), [3, 2], "handout")
    check_reference(student, reference, "forward", 1, handout=True)


def test_2_y_hat(student, reference):
    assert_matches(handout(student, "forward", 2), 7, "handout")
    check_reference(student, reference, "forward", 2, handout=True, shape=lambda d: ())


def test_2_loss(student, reference):
    assert_matches(handout(student, "forward", 3), 8, "handout")
    check_reference(student, reference, "forward", 3, handout=True)


# -- question 4: backward propagation (dbeta, dalpha) -----------------------


def test_4_2a(student):
    dbeta = handout(student, "backward", 0)
    assert dbeta.ndim == 2, f"dbeta has shape {dbeta.shape}: it has no entry [0, 1]"
    assert_matches(dbeta[0, 1], 12, "handout ∂ℓ/∂β₁")


def test_4_2b(student):
    dalpha = handout(student, "backward", 1)
    assert dalpha.ndim == 2, f"dalpha has shape {dalpha.shape}: it has no entry [0, 1]"
    assert_matches(dalpha[0, 1], 4, "handout ∂ℓ/∂α₁,₁")


def test_4_3a(student, reference):
    assert_matches(handout(student, "backward", 0), [[4, 12, 8]], "handout")
    check_reference(student, reference, "backward", 0, handout=True, shape=lambda d: (1, d["h"] + 1))


def test_4_3b(student, reference):
    assert_matches(handout(student, "backward", 1), [[4, 4, 8], [8, 8, 16]], "handout")
    check_reference(student, reference, "backward", 1, handout=True, shape=lambda d: (d["h"], d["d"] + 1))
