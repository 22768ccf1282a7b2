"""Automatic mutants of the reference: made from its source with ast, never run in the grader (no process)."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from grader.checks.diagnose import KINDS
from grader.checks.mutants import PRAGMA, mutants_for

from helpers import REPO

REFERENCE = '''
import numpy as np


def sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


def forward(W, b, x):
    return sigmoid(W @ x + b)


def grad_W(W, b, x, g):
    z = forward(W, b, x)
    delta = g * z * (1 - z)
    return np.outer(delta, x)


def grad_relu(dz, a, x):
    return np.outer(dz * (a > 0), np.concatenate(([1.0], x)))


def tanh_prime(z1):
    return np.diag(1.0 - np.tanh(z1) ** 2)


def paths(u, v, du, dv):
    return u * du + v * dv


def batch(G):
    return [sum(g[i] for g in G) for i in range(2)]


def step(W, b, X, Y, lr):
    dW, db = grads(W, b, X, Y)
    return W - lr * dW, b - lr * db


def grads(W, b, X, Y):
    return X.T @ (X @ W + b - Y), np.sum(X @ W + b - Y, axis=0)
'''


def run(source: str, function: str, *args):
    namespace: dict = {}
    exec(compile(source, "<test>", "exec"), namespace)
    return namespace[function](*args)


def by_kind(function: str, source: str = REFERENCE) -> dict[str, list]:
    found: dict[str, list] = {}
    for mutant in mutants_for(source, function):
        found.setdefault(mutant.info.kind, []).append(mutant)
    return found


def test_every_mutant_is_a_valid_distinct_module_with_a_known_class():
    mutants = mutants_for(REFERENCE, "grad_W")
    assert mutants
    assert len({m.info.key for m in mutants}) == len(mutants) == len({m.source for m in mutants})
    for mutant in mutants:
        compile(mutant.source, "<mutant>", "exec")
        assert mutant.info.kind in KINDS
        assert mutant.info.message.endswith(".")
        assert mutant.source != REFERENCE


def test_sigma_prime_mutants_reproduce_the_three_classic_mistakes():
    rng = np.random.default_rng(0)
    W, b, x, g = rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=2), rng.normal(size=3)
    z = 1 / (1 + np.exp(-(W @ x + b)))
    s = 1 / (1 + np.exp(-z))
    a = W @ x + b
    expected = {
        "activation_derivative_missing": np.outer(g, x),
        "sigma_prime_of_activation": np.outer(g * s * (1 - s), x),
        "sigma_prime_of_preactivation": np.outer(g * a * (1 - a), x),
    }
    kinds = by_kind("grad_W")
    for kind, wanted in expected.items():
        outputs = [run(m.source, "grad_W", W, b, x, g) for m in kinds[kind]]
        assert any(np.allclose(out, wanted, rtol=1e-9, atol=1e-12) for out in outputs), kind


def test_relu_mask_mutants():
    kinds = by_kind("grad_relu")
    dz, a, x = np.array([1.0, -2.0, 3.0]), np.array([0.5, 0.0, -1.0]), np.array([2.0])
    outputs = {kind: [run(m.source, "grad_relu", dz, a, x) for m in ms] for kind, ms in kinds.items()}
    assert any(np.array_equal(o, np.outer(dz, [1.0, 2.0])) for o in outputs["activation_derivative_missing"])
    assert any(np.array_equal(o, np.outer(dz * (a >= 0), [1.0, 2.0])) for o in outputs["relu_at_zero"])
    assert any(np.array_equal(o, np.outer(dz * (dz > 0), [1.0, 2.0])) for o in outputs["relu_mask_wrong_array"])
    assert any(np.array_equal(o, np.outer(dz * (a > 0), [0.0, 2.0])) for o in outputs["bias_missing"])
    assert any(np.array_equal(o, np.outer(dz * (a > 0), [2.0, 1.0])) for o in outputs["bias_column_last"])
    assert any(np.array_equal(o, np.outer([1.0, 2.0], dz * (a > 0))) for o in outputs["transposed"])


def test_tanh_prime_at_the_wrong_point_and_dropped():
    z1 = np.array([0.3, -1.2])
    kinds = by_kind("tanh_prime")
    outputs = {kind: [run(m.source, "tanh_prime", z1) for m in ms] for kind, ms in kinds.items()}
    assert any(np.allclose(o, np.diag(1 - z1 ** 2)) for o in outputs["sigma_prime_of_preactivation"])
    assert any(np.allclose(o, np.diag(1 - np.tanh(np.tanh(z1)) ** 2)) for o in outputs["sigma_prime_of_activation"])
    assert any(np.allclose(o, np.eye(2)) for o in outputs["activation_derivative_missing"])


def test_both_paths_of_a_fork_can_be_missing():
    kinds = by_kind("paths")
    outputs = sorted(run(m.source, "paths", 2.0, 3.0, 5.0, 7.0) for m in kinds["missing_path"])
    assert outputs == [10.0, 21.0]  # u·du alone, v·dv alone: both symmetric variants


def test_accumulation_overwritten_keeps_the_last_term():
    G = [(np.ones(2), np.ones(3)), (2 * np.ones(2), 3 * np.ones(3))]
    (mutant,) = by_kind("batch")["missing_path"]
    last = run(mutant.source, "batch", G)
    assert np.array_equal(last[0], 2 * np.ones(2)) and np.array_equal(last[1], 3 * np.ones(3))


def test_update_mutants_ascent_and_order():
    rng = np.random.default_rng(1)
    W, b, X, Y, lr = rng.normal(size=(2, 2)), rng.normal(size=2), rng.normal(size=(4, 2)), rng.normal(size=(4, 2)), 0.1
    kinds = by_kind("step")
    dW, db = X.T @ (X @ W + b - Y), np.sum(X @ W + b - Y, axis=0)
    ascents = [run(m.source, "step", W, b, X, Y, lr) for m in kinds["sign_flipped"]]
    assert any(np.allclose(o[0], W + lr * dW) for o in ascents)
    assert all("gradient ascent" in m.info.message for m in kinds["sign_flipped"] if m.info.place.startswith("step"))
    (order,) = kinds["update_order"]
    new_b = b - lr * db
    W_new, b_new = run(order.source, "step", W, b, X, Y, lr)
    assert np.allclose(W_new, W - lr * (X.T @ (X @ W + new_b - Y))) and np.allclose(b_new, new_b)


def test_a_misconception_everywhere_is_one_mutant_too():
    source = REFERENCE + '''

def two_layers(W1, w2, x):
    z = np.maximum(W1 @ np.concatenate(([1.0], x)), 0.0)
    return w2 @ np.concatenate(([1.0], z))
'''
    W1, w2, x = np.array([[1.0, 2.0, 3.0]]), np.array([4.0, 5.0]), np.array([6.0, 7.0])
    outputs = [run(m.source, "two_layers", W1, w2, x) for m in by_kind("two_layers", source)["bias_missing"]]
    both = 5.0 * max(2.0 * 6 + 3.0 * 7, 0.0)  # neither intercept added
    assert any(np.isclose(o, both) for o in outputs) and len(outputs) == 3  # each place, and both at once


def test_a_pragma_silences_a_line_or_a_function():
    silenced_line = REFERENCE.replace("delta = g * z * (1 - z)", f"delta = g * z * (1 - z)  # {PRAGMA}")
    assert not any(m.info.place.startswith("grad_W:") and m.info.kind == "activation_derivative_missing"
                   for m in mutants_for(silenced_line, "grad_W"))
    silenced_function = REFERENCE.replace("def grad_W(W, b, x, g):", f"def grad_W(W, b, x, g):  # {PRAGMA}")
    places = {m.info.place.split(":")[0] for m in mutants_for(silenced_function, "grad_W")}
    assert "grad_W" not in places and "forward" in places  # the functions it calls are still mutated


def test_declared_mistakes_are_never_mutated_and_nothing_comes_of_broken_source():
    assert not any(m.info.place.startswith("forward") for m in mutants_for(REFERENCE, "grad_W", frozenset({"forward"})))
    assert mutants_for("def broken(:\n", "broken") == ()
    assert mutants_for(REFERENCE, "no_such_function") == ()


REFERENCES = sorted((REPO / "rubrics").glob("*_reference.py"))
_KEEP = {"np", "numpy", "sum", "len", "float", "range", "zip", "int", "list", "tuple", "abs", "max", "min", "print"}


class _Renamer(ast.NodeTransformer):
    """Every name of the reference replaced by a meaningless one, consistently."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def _new(self, name: str) -> str:
        return name if name in _KEEP else self.names.setdefault(name, f"n{len(self.names)}")

    def visit_Name(self, node):
        node.id = self._new(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._new(node.arg)
        return node

    def visit_FunctionDef(self, node):
        node.name = self._new(node.name)
        self.generic_visit(node)
        return node


@pytest.mark.parametrize("path", REFERENCES, ids=lambda p: p.stem)
def test_messages_come_from_what_a_place_is_never_from_the_references_code(path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    renamer = _Renamer()
    renamed = ast.unparse(renamer.visit(ast.parse(source)))
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]
    total = 0
    for function in functions:
        original = sorted((m.info.kind, m.info.message) for m in mutants_for(source, function))
        anonymous = sorted((m.info.kind, m.info.message) for m in mutants_for(renamed, renamer.names[function]))
        assert original == anonymous, function
        total += len(original)
    assert total > 20
