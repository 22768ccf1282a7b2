"""Claims on the student's own functions: symmetry, finite-difference gradients, gradient shapes."""

from __future__ import annotations

import pytest

from grader import Grader

pytestmark = pytest.mark.sandbox  # a Grader starts the zygote, workers and the reference

RUBRIC = """
title: claims
reference: ref.py
seed: 7
dimensions: {d: [2, 5], h: [2, 6], k: [2, 4]}
interface:
  functions:
    step:
      params: {V: {shape: [h, d]}, W: {shape: [k, h]}, x: {shape: [d]}, y: {shape: [k]},
               lr: {shape: [], draw: {constant: 0.5}}}
      returns: {V_new: {shape: [h, d]}, W_new: {shape: [k, h]}}
    loss:
      params: {V: {shape: [h, d]}, W: {shape: [k, h]}, x: {shape: [d]}, y: {shape: [k]}}
      returns: {l: {shape: []}}
    grads:
      params: {V: {shape: [h, d]}, W: {shape: [k, h]}, x: {shape: [d]}, y: {shape: [k]}}
      returns: {dV: {shape: [h, d]}, dW: {shape: [k, h]}}
questions:
  - id: "1"
    title: claims
    parts:
      - {id: sym, title: symmetry, points: 1, claim: {kind: symmetry, call: step, constant: [V, W], steps: 3,
         carry: {V: V_new, W: W_new}, equal: {V_new: rows, W_new: columns}}}
      - {id: fd, title: gradients, points: 1, claim: {kind: gradient_check, loss: {call: loss},
         gradient: {call: grads, outputs: {V: dV, W: dW}}}}
      - {id: shapes, title: shapes, points: 1, claim: {kind: gradient_shapes, call: grads, outputs: {V: dV, W: dW}}}
"""

CORRECT = """
import numpy as np
s = lambda t: 1 / (1 + np.exp(-t))

def loss(V, W, x, y):
    z = s(W @ s(V @ x))
    return 0.5 * np.sum((y - z) ** 2)

def grads(V, W, x, y):
    h = s(V @ x); z = s(W @ h)
    db = (z - y) * z * (1 - z)
    da = (W.T @ db) * h * (1 - h)
    return np.outer(da, x), np.outer(db, h)

def step(V, W, x, y, lr):
    dV, dW = grads(V, W, x, y)
    return V - lr * dV, W - lr * dW
"""


@pytest.fixture(scope="module")
def grade_source(tmp_path_factory):
    folder = tmp_path_factory.mktemp("claims")
    (folder / "ref.py").write_text(CORRECT)
    (folder / "claims.yaml").write_text(RUBRIC)
    submissions = tmp_path_factory.mktemp("submissions")
    grader = Grader(folder / "claims.yaml")

    def grade(source: str) -> dict:
        path = submissions / "submission.py"
        path.write_text(source)
        result = grader.grade(path)
        return {p.part_id: p for p in result.parts()}

    yield grade
    grader.close()


def test_correct_functions_satisfy_every_claim(grade_source):
    parts = grade_source(CORRECT)
    assert {k: p.score for k, p in parts.items()} == {"sym": 1, "fd": 1, "shapes": 1}


def test_noise_in_the_update_breaks_symmetry(grade_source):
    parts = grade_source(CORRECT.replace("return V - lr * dV", "return V - lr * dV + 1e-3 * np.arange(V.size).reshape(V.shape)"))
    assert parts["sym"].score == 0
    assert "rows of V_new are not identical" in str(parts["sym"].reasons()[0])


def test_an_update_returning_zeros_fails_symmetry(grade_source):
    parts = grade_source(CORRECT.replace("return V - lr * dV, W - lr * dW", "return 0 * V, 0 * W"))
    assert parts["sym"].score == 0
    assert "with random initialisation" in str(parts["sym"].reasons()[0])


def test_an_update_that_changes_nothing_fails_symmetry(grade_source):
    parts = grade_source(CORRECT.replace("return V - lr * dV, W - lr * dW", "return V, W"))
    assert parts["sym"].score == 0 and "has no effect" in str(parts["sym"].reasons()[0])


def test_a_gradient_missing_sigma_prime_fails_the_finite_difference_check(grade_source):
    parts = grade_source(CORRECT.replace("db = (z - y) * z * (1 - z)", "db = (z - y)"))
    assert parts["fd"].score == 0 and parts["shapes"].score == 1
    assert "finite differences of your own loss()" in str(parts["fd"].reasons()[0])


def test_a_transposed_gradient_fails_the_shape_claims(grade_source):
    parts = grade_source(CORRECT.replace("return np.outer(da, x), np.outer(db, h)", "return np.outer(da, x), np.outer(h, db)"))
    assert parts["shapes"].score == 0 and parts["fd"].score == 0
    assert "dW has shape" in str(parts["shapes"].reasons()[0])


def test_claims_are_deterministic(grade_source):
    source = CORRECT.replace("db = (z - y) * z * (1 - z)", "db = (z - y) * z")
    first = grade_source(source)["fd"].reasons()
    assert grade_source(source)["fd"].reasons() == first
