"""Claims as plans: generators that yield rounds of calls and return a verdict, driven here in-process."""

from __future__ import annotations

import re

import numpy as np
import pytest

from grader.checks.claims import Calls, plan_claim
from grader.results import CheckResult
from grader.session import Session

from fakes import FakeReference, FakeRunner

RUBRIC = """
title: claims
reference: ref.py
seed: 7
dimensions: {d: [2, 3], h: [2, 3], k: [2, 3]}
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


def s(t):
    return 1 / (1 + np.exp(-t))


def loss(V, W, x, y):
    return 0.5 * float(np.sum((y - s(W @ s(V @ x))) ** 2))


def grads(V, W, x, y):
    h = s(V @ x)
    z = s(W @ h)
    db = (z - y) * z * (1 - z)
    da = (W.T @ db) * h * (1 - h)
    return np.outer(da, x), np.outer(db, h)


def step(V, W, x, y, lr):
    dV, dW = grads(V, W, x, y)
    return V - lr * dV, W - lr * dW


CORRECT = {"step": step, "loss": loss, "grads": grads}


@pytest.fixture
def rubric(make_rubric):
    return make_rubric(RUBRIC)


def claim_part(rubric, part_id):
    (part,) = [p for _, p in rubric.parts() if p.id == part_id]
    return part


def drive(rubric, part_id, functions):
    """Run a claim's plan by hand: answer each yielded round with the fake runner (the student's functions,
    or the correct ones for the reference's rounds); return (verdict, the student's rounds)."""
    plan = plan_claim(claim_part(rubric, part_id), rubric)
    runner = FakeRunner({**CORRECT, **functions})
    reference = FakeRunner(CORRECT)
    rounds: list[Calls] = []
    try:
        request = next(plan)
        while True:
            assert isinstance(request, Calls)
            if not request.reference:
                rounds.append(request)
            answerer = reference if request.reference else runner
            request = plan.send(answerer.call_many(request.function.name, request.positional()))
    except StopIteration as done:
        verdict = done.value
    assert isinstance(verdict, CheckResult)
    return verdict, rounds


# -- symmetry --------------------------------------------------------------------------


def test_symmetry_holds_for_a_correct_update(rubric):
    verdict, rounds = drive(rubric, "sym", {})
    assert (verdict.kind, verdict.score) == ("symmetry", 1.0)
    assert verdict.summary == "holds on 5 seeded trial(s), and breaks with random initialisation"
    # three steps, each one round of the 5 constant trials, their 5 random controls and the 5 constant trials
    # with the other inputs drawn anew (the outputs must depend on them)
    assert [(r.function.name, len(r.args)) for r in rounds] == [("step", 15)] * 3
    first = rounds[0].args
    for trial in first[:5] + first[10:]:
        assert len(np.unique(trial["V"])) == 1 and len(np.unique(trial["W"])) == 1
    assert all(len(np.unique(control["V"])) > 1 for control in first[5:10])


def test_carried_outputs_are_fed_back(rubric):
    _, rounds = drive(rubric, "sym", {})
    start, after_one = rounds[0].args[0], rounds[1].args[0]
    V_new, W_new = step(start["V"], start["W"], start["x"], start["y"], start["lr"])
    np.testing.assert_allclose(after_one["V"], V_new)
    np.testing.assert_allclose(after_one["W"], W_new)
    np.testing.assert_array_equal(after_one["x"], start["x"])


def test_an_update_returning_zeros_fails_symmetry(rubric):
    verdict, _ = drive(rubric, "sym", {"step": lambda V, W, x, y, lr: (0 * V, 0 * W)})
    assert verdict.score == 0.0
    assert verdict.summary.startswith("with random initialisation the rows of V_new are identical too after 3 step(s)")


def test_an_update_that_changes_nothing_fails_symmetry(rubric):
    verdict, _ = drive(rubric, "sym", {"step": lambda V, W, x, y, lr: (V, W)})
    assert verdict.score == 0.0 and verdict.summary == "step() did not change V after 3 step(s): the update has no effect"


def test_noise_in_the_update_breaks_symmetry(rubric):
    def noisy(V, W, x, y, lr):
        V_new, W_new = step(V, W, x, y, lr)
        return V_new + 1e-3 * np.arange(V.size).reshape(V.shape), W_new

    verdict, _ = drive(rubric, "sym", {"step": noisy})
    assert verdict.score == 0.0 and "the rows of V_new are not identical after 3 step(s)" in verdict.summary


def test_a_step_that_raises_fails_with_its_message(rubric):
    def broken(V, W, x, y, lr):
        raise ZeroDivisionError("division by zero")

    verdict, rounds = drive(rubric, "sym", {"step": broken})
    assert verdict.score == 0.0 and verdict.summary == "step() raised ZeroDivisionError: division by zero"
    assert len(rounds) == 1  # nothing left to step once every run failed


# -- gradient check --------------------------------------------------------------------


def test_correct_gradients_agree_with_finite_differences(rubric):
    verdict, rounds = drive(rubric, "fd", {})
    trials = rounds[0].args
    entries = sum(t["V"].size + t["W"].size for t in trials)  # small shapes: every entry is probed
    assert [(r.function.name, len(r.args)) for r in rounds] == [("grads", 3), ("loss", 2 * entries)]
    assert verdict.score == 1.0
    assert verdict.summary == f"agrees with finite differences of loss() on {entries} entries"


def test_a_wrong_gradient_entry_fails_and_is_named(rubric):
    def wrong(V, W, x, y):
        dV, dW = grads(V, W, x, y)
        dW = dW.copy()
        dW[0, 1] += 0.5
        return dV, dW

    verdict, _ = drive(rubric, "fd", {"grads": wrong})
    assert verdict.score == 0.0
    match = re.fullmatch(r"∂ℓ/∂W\[0, 1\] is (\S+) but finite differences of your own loss\(\) give (\S+) \(trial 1\)",
                         verdict.summary)
    assert match, verdict.summary
    student, numeric = map(float, match.groups())
    assert student - numeric == pytest.approx(0.5, abs=1e-3)
    assert verdict.details == ("the backward pass does not match the forward pass: check this entry's chain of factors",)


def test_a_gradient_missing_sigma_prime_fails_the_finite_difference_check(rubric):
    def no_sigma_prime(V, W, x, y):
        h = s(V @ x)
        db = s(W @ h) - y
        return np.outer((W.T @ db) * h * (1 - h), x), np.outer(db, h)

    verdict, _ = drive(rubric, "fd", {"grads": no_sigma_prime})
    assert verdict.score == 0.0 and verdict.summary.startswith("∂ℓ/∂V[")


# -- gradient shapes --------------------------------------------------------------------


def test_gradient_shapes(rubric):
    verdict, rounds = drive(rubric, "shapes", {})
    assert verdict.score == 1.0 and [(r.function.name, len(r.args)) for r in rounds] == [("grads", 5)]
    transposed, _ = drive(rubric, "shapes", {"grads": lambda V, W, x, y: (grads(V, W, x, y)[0], grads(V, W, x, y)[1].T)})
    assert transposed.score == 0.0
    assert re.match(r"dW has shape \((\d), (\d)\) but W has shape \(\2, \1\) \(.*\): a gradient has the shape",
                    transposed.summary), transposed.summary


# -- the session runs a plan ------------------------------------------------------------


def test_the_session_runs_a_plan_round_by_round(rubric):
    runner = FakeRunner(CORRECT)
    reference = FakeReference(CORRECT)
    verdict = Session(rubric, reference, runner).run_plan(plan_claim(claim_part(rubric, "fd"), rubric))
    assert verdict.score == 1.0
    assert [name for name, _ in runner.batches] == ["grads", "loss"]  # the correct gradients came from the reference
    assert verdict == drive(rubric, "fd", {})[0]  # seeded: the same verdict every time
