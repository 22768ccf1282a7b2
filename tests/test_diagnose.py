"""Tests for grader.checks.diagnose: each mistake built from a small backprop computation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from grader.checks.diagnose import KINDS, Diagnosis, diagnose, diagnose_step


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclasses.dataclass(frozen=True)
class Layer:
    """One sigmoid layer a = σ(W x + b) on a single example, squared loss ½||a - y||²."""

    x: np.ndarray  # (d,)
    y: np.ndarray  # (h,)
    z: np.ndarray  # (h,) pre-activation
    a: np.ndarray  # (h,) activation
    delta: np.ndarray  # (h,) dL/dz
    dW: np.ndarray  # (h, d) = δ xᵀ


def sigmoid_layer(seed: int = 0, h: int = 3, d: int = 5) -> Layer:
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=d), rng.normal(size=h)
    W, b = rng.normal(size=(h, d)), rng.normal(size=h)
    z = W @ x + b
    a = sigmoid(z)
    delta = (a - y) * a * (1 - a)
    return Layer(x, y, z, a, delta, delta[:, None] * x[None, :])


def batch_dense(seed: int = 1, n: int = 6, d: int = 5, h: int = 3):
    """Mean-reduced batch gradient of a dense layer: returns (X, dZ, dW_mean)."""
    rng = np.random.default_rng(seed)
    X, dZ = rng.normal(size=(n, d)), rng.normal(size=(n, h))
    return X, dZ, X.T @ dZ / n


def kind(student, reference, **kwargs) -> str | None:
    found = diagnose(student, reference, **kwargs)
    if found is not None:
        assert found.kind in KINDS
        assert found.message.endswith(".") and "\n" not in found.message
    return None if found is None else found.kind


# ------------------------------------------------------------------ correct answers


@pytest.mark.parametrize("shape", [(), (1,), (5,), (3, 1), (1, 3), (3, 4), (4, 4), (2, 3, 4)])
@pytest.mark.parametrize("seed", range(3))
def test_correct_answer_is_never_diagnosed(shape, seed):
    rng = np.random.default_rng(seed)
    reference = rng.normal(size=shape)
    if reference.size > 1:
        reference[rng.random(size=shape) < 0.3] = 0.0  # exact zeros, e.g. a ReLU mask
    # Perturb within the grader's tolerance: relative on non-zeros, absolute on zeros.
    noise = rng.uniform(-0.9, 0.9, size=shape)
    student = reference * (1 + 0.9e-6 * noise) + 0.09e-9 * noise
    pre = rng.normal(size=shape)
    for s in (reference.copy(), student):
        assert diagnose(s, reference) is None
        assert diagnose(s, reference, batch_size=4, preactivation=pre) is None


def test_correct_all_zero_reference_is_not_diagnosed():
    assert diagnose(np.zeros((3, 2)), np.zeros((3, 2))) is None


# ------------------------------------------------------------------ non_finite


def test_softmax_overflow_is_non_finite():
    logits = np.array([1000.0, 10.0, -5.0, 999.0])
    shifted = np.exp(logits - logits.max())
    reference = shifted / shifted.sum()
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(logits) / np.exp(logits).sum()  # inf / inf = NaN
    found = diagnose(naive, reference)
    assert found.kind == "non_finite"
    assert "2 NaN entries" in found.message and "out of 4" in found.message


def test_non_finite_reports_infinities_and_shape():
    found = diagnose(np.array([np.inf, 1.0, -np.inf]), np.ones((3, 1)))
    assert found.kind == "non_finite"
    assert "2 infinite entries" in found.message and "(3, 1)" in found.message


# ------------------------------------------------------------------ transposed


def test_outer_product_wrong_way_round_is_transposed():
    layer = sigmoid_layer()
    student = layer.x[:, None] * layer.delta[None, :]  # x δᵀ, shape (5, 3)
    found = diagnose(student, layer.dW)
    assert found.kind == "transposed"
    assert "(5, 3)" in found.message and "(3, 5)" in found.message


def test_square_transposed_gradient():
    layer = sigmoid_layer(seed=2, h=4, d=4)
    assert kind(layer.dW.T, layer.dW) == "transposed"


def test_symmetric_square_is_not_called_transposed():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(4, 4))
    sym = A + A.T
    assert diagnose(sym.T, sym) is None  # the transpose IS the answer
    assert kind(2 * sym.T, sym) == "scaled"
    wrong = sym.copy()
    wrong[0, 1] += 1.0  # breaks symmetry: student is neither r nor r.T
    assert kind(wrong, sym) is None


# ------------------------------------------------------------------ reshaped


def test_bias_gradient_as_column_is_reshaped():
    layer = sigmoid_layer()
    found = diagnose(layer.delta[:, None], layer.delta)  # db returned as (3, 1)
    assert found.kind == "reshaped"
    assert "(3, 1)" in found.message and "(3,)" in found.message
    assert "[:, 0]" in found.message


@pytest.mark.parametrize("to_student", [
    lambda r: r.reshape(1, -1),
    lambda r: r.ravel(),
])
def test_row_and_flat_vectors_are_reshaped(to_student):
    layer = sigmoid_layer()
    reference = layer.delta[:, None]  # expected column (3, 1)
    assert kind(to_student(reference), reference) == "reshaped"


def test_flattened_weight_gradient_and_scalar_loss_are_reshaped():
    layer = sigmoid_layer()
    assert kind(layer.dW.ravel(), layer.dW) == "reshaped"
    loss = np.asarray(0.5 * np.sum((layer.a - layer.y) ** 2))
    found = diagnose(loss.reshape(1), loss)
    assert found.kind == "reshaped" and "scalar" in found.message


# ------------------------------------------------------------------ broadcast


@pytest.mark.parametrize("ref_shape", [(4,), (4, 1)])
def test_column_minus_vector_is_broadcast(ref_shape):
    rng = np.random.default_rng(4)
    y = rng.normal(size=4)  # targets (K,)
    y_hat = rng.normal(size=(4, 1))  # predictions as a column (K, 1)
    reference = (y_hat.ravel() - y).reshape(ref_shape)
    student = y_hat - y  # (4, 4)
    found = diagnose(student, reference)
    assert found.kind == "broadcast"
    assert "(4, 4)" in found.message and str(ref_shape) in found.message
    assert "diagonal" in found.message


# ------------------------------------------------------------------ sign_flipped


def test_y_minus_yhat_is_sign_flipped():
    layer = sigmoid_layer()
    student_delta = (layer.y - layer.a) * layer.a * (1 - layer.a)
    assert kind(student_delta[:, None] * layer.x[None, :], layer.dW) == "sign_flipped"


# ------------------------------------------------------------------ scaled


def test_missing_half_of_squared_loss_is_scaled_by_2():
    layer = sigmoid_layer()
    student = 2 * (layer.a - layer.y) * layer.a * (1 - layer.a)
    found = diagnose(student, layer.delta)
    assert found.kind == "scaled" and "multiplied by 2," in found.message
    assert "½" in found.message


def test_extra_half_is_scaled_by_one_half():
    layer = sigmoid_layer()
    found = diagnose(0.5 * layer.dW, layer.dW)
    assert found.kind == "scaled" and "multiplied by 1/2," in found.message


def test_sum_instead_of_mean_over_batch():
    X, dZ, dW_mean = batch_dense(n=6)
    found = diagnose(X.T @ dZ, dW_mean, batch_size=6)
    assert found.kind == "scaled"
    assert "multiplied by 6," in found.message and "summing" in found.message


def test_mean_instead_of_sum_over_batch():
    X, dZ, dW_mean = batch_dense(n=6)
    found = diagnose(dW_mean, X.T @ dZ, batch_size=6)  # the sum is expected here
    assert found.kind == "scaled" and "multiplied by 1/6," in found.message
    assert "averaging" in found.message


def test_batch_of_two_names_both_explanations():
    X, dZ, dW_mean = batch_dense(n=2)
    found = diagnose(X.T @ dZ, dW_mean, batch_size=2)
    assert found.kind == "scaled"
    assert "½" in found.message and "summing over the batch of 2" in found.message


def test_flipped_sign_and_factor_two():
    layer = sigmoid_layer()
    found = diagnose(-2 * layer.dW, layer.dW)
    assert found.kind == "scaled" and "multiplied by -2," in found.message
    assert "flipped sign" in found.message


def test_batch_factor_without_batch_size_is_generic_scaled():
    X, dZ, dW_mean = batch_dense(n=6)
    found = diagnose(X.T @ dZ, dW_mean)
    assert found.kind == "scaled" and "multiplied by 6 at every entry" in found.message


def test_other_constant_is_generic_scaled_with_4_significant_digits():
    layer = sigmoid_layer()
    found = diagnose(np.exp(-1) * layer.dW, layer.dW)  # 0.36787944...
    assert found.kind == "scaled" and "multiplied by 0.3679 " in found.message


def test_near_whole_factor_is_not_rounded_to_a_whole_number():
    layer = sigmoid_layer()
    found = diagnose(1.0001 * layer.dW, layer.dW)
    assert found.kind == "scaled" and "multiplied by 1.0001 " in found.message


def test_sigmoid_derivative_of_the_activation_is_not_scaled():
    layer = sigmoid_layer()
    wrong_prime = sigmoid(layer.a) * (1 - sigmoid(layer.a))  # σ'(σ(z)) instead of σ'(z)
    student_delta = (layer.a - layer.y) * wrong_prime
    assert diagnose(student_delta, layer.delta) is None
    assert diagnose(student_delta[:, None] * layer.x[None, :], layer.dW) is None


def test_z_times_one_minus_z_is_not_scaled():
    layer = sigmoid_layer()
    student_delta = (layer.a - layer.y) * layer.z * (1 - layer.z)
    assert diagnose(student_delta, layer.delta) is None


def test_varying_ratio_is_not_scaled():
    layer = sigmoid_layer()
    ratio = np.linspace(1.5, 2.5, layer.dW.size).reshape(layer.dW.shape)
    assert diagnose(ratio * layer.dW, layer.dW) is None


def test_single_wrong_number_is_not_generic_scaled():
    assert diagnose(np.float64(1.2345), np.float64(0.7)) is None
    assert kind(np.float64(1.4), np.float64(0.7)) == "scaled"  # a named factor still fits


def test_all_zero_reference_is_never_sign_flipped_or_scaled():
    # CMU-style blind spot: zero init makes the reference gradient exactly 0.
    rng = np.random.default_rng(5)
    reference = np.zeros((3, 4))
    for student in (rng.normal(size=(3, 4)), 1e-12 * rng.normal(size=(3, 4))):
        assert kind(student, reference) not in ("sign_flipped", "scaled", "transposed")
        assert kind(-student, reference) not in ("sign_flipped", "scaled", "transposed")


def test_tiny_reference_is_not_scaled_up():
    reference = np.full((2, 3), 1e-12)
    assert kind(np.ones((2, 3)), reference) is None


# ------------------------------------------------------------------ relu_at_zero


def relu_backward_case(seed: int = 6):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(4, 5))  # batch of 4, 5 hidden units
    z[0, 1] = z[2, 3] = z[3, 0] = 0.0  # exact zeros, the ReLU'(0) test point
    upstream = rng.normal(size=(4, 5))
    return z, upstream, upstream * (z > 0)


def test_relu_mask_with_greater_or_equal():
    z, upstream, reference = relu_backward_case()
    found = diagnose(upstream * (z >= 0), reference, preactivation=z)
    assert found.kind == "relu_at_zero"
    assert "3 entries" in found.message and ">=" in found.message


def test_relu_mask_missing():
    z, upstream, reference = relu_backward_case()
    found = diagnose(upstream, reference, preactivation=z)
    assert found.kind == "activation_derivative_missing" and "(pre-activation > 0)" in found.message


def test_relu_without_preactivation_is_not_diagnosed():
    z, upstream, reference = relu_backward_case()
    assert diagnose(upstream * (z >= 0), reference) is None


def test_relu_mask_from_wrong_array_is_not_relu_at_zero():
    z, upstream, reference = relu_backward_case()
    student = upstream * (upstream > 0)  # mask built from the upstream gradient
    assert kind(student, reference, preactivation=z) == "relu_mask_wrong_array"


def test_relu_preactivation_per_row_of_weight_gradient():
    rng = np.random.default_rng(7)
    x, g = rng.normal(size=5), rng.normal(size=3)
    z = np.array([0.7, 0.0, -1.2])  # one pre-activation per hidden unit (row of dW)
    reference = (g * (z > 0))[:, None] * x[None, :]
    student = (g * (z >= 0))[:, None] * x[None, :]
    assert kind(student, reference, preactivation=z) == "relu_at_zero"
    assert kind(student, reference, preactivation=z[:, None]) == "relu_at_zero"


def test_incompatible_preactivation_is_rejected():
    z, upstream, reference = relu_backward_case()  # reference (4, 5)
    with pytest.raises(ValueError):
        diagnose(upstream, reference, preactivation=np.zeros(5))  # per column: use (1, 5)
    assert kind(upstream, reference, preactivation=np.zeros((1, 5))) == "relu_at_zero"


# ------------------------------------------------------------------ bias handling


def bias_folded_layer(seed: int = 8, h: int = 3, d: int = 4):
    """CMU-style layer: W is (h, d+1) with the bias as column 0, x augmented as [1, x]."""
    layer = sigmoid_layer(seed, h=h, d=d)
    x1 = np.concatenate([[1.0], layer.x])
    return layer, x1, layer.delta[:, None] * x1[None, :]


def test_bias_column_dropped():
    layer, _, dW = bias_folded_layer()
    found = diagnose(layer.delta[:, None] * layer.x[None, :], dW)
    assert found.kind == "bias_column_dropped"
    assert "(3, 4)" in found.message and "(3, 5)" in found.message


def test_intercept_entry_dropped_1d():
    rng = np.random.default_rng(9)
    X1 = np.column_stack([np.ones(6), rng.normal(size=(6, 3))])  # logistic regression
    y, theta = rng.integers(0, 2, size=6), rng.normal(size=4)
    grad = X1.T @ (sigmoid(X1 @ theta) - y) / 6
    assert kind(grad[1:], grad) == "bias_column_dropped"


def test_bias_column_last():
    layer, _, dW = bias_folded_layer()
    x_last = np.concatenate([layer.x, [1.0]])  # [x, 1] instead of [1, x]
    assert kind(layer.delta[:, None] * x_last[None, :], dW) == "bias_column_last"
    assert kind(np.roll(dW[0], -1), dW[0]) == "bias_column_last"


def test_bias_weight_kept_in_hidden_backprop():
    rng = np.random.default_rng(10)
    beta = rng.normal(size=(2, 4))  # output weights (k, h+1), column 0 is the bias
    delta_out = rng.normal(size=2)
    reference = beta[:, 1:].T @ delta_out  # (3,)
    found = diagnose(beta.T @ delta_out, reference)  # (4,)
    assert found.kind == "bias_row_included" and "entry" in found.message
    delta_batch = rng.normal(size=(2, 5))  # batch as columns
    assert kind(beta.T @ delta_batch, beta[:, 1:].T @ delta_batch) == "bias_row_included"


# ------------------------------------------------------------------ zeros


def test_stub_returning_zeros():
    layer = sigmoid_layer()
    found = diagnose(np.zeros_like(layer.dW), layer.dW)
    assert found.kind == "zeros"


# ------------------------------------------------------------------ wrong_shape


def test_bias_gradient_not_summed_over_batch():
    _, dZ, _ = batch_dense(n=6)
    found = diagnose(dZ, dZ.sum(axis=0), batch_size=6)
    assert found.kind == "wrong_shape"
    assert "(6, 3)" in found.message and "(3,)" in found.message and "sum" in found.message


def test_unrelated_shape_is_wrong_shape():
    found = diagnose(np.ones(2), np.ones((3, 2)))
    assert found == Diagnosis("wrong_shape", found.message)
    assert "(2,)" in found.message and "(3, 2)" in found.message


def test_transposed_shape_with_wrong_values_is_wrong_shape():
    layer = sigmoid_layer()
    found = diagnose(-layer.dW.T, layer.dW)
    assert found.kind == "wrong_shape" and "transposed shape" in found.message


@pytest.mark.parametrize("s_shape,r_shape", [
    ((3,), (4,)), ((2, 3), (3, 3)), ((0,), (2,)), ((3, 1), (2, 3)), ((), (1, 2)),
    ((2, 2, 2), (2, 2)),
])
def test_any_shape_mismatch_gets_a_diagnosis(s_shape, r_shape):
    rng = np.random.default_rng(11)
    assert diagnose(rng.normal(size=s_shape), rng.normal(size=r_shape)) is not None


# ------------------------------------------------------------------ API details


def test_diagnosis_is_frozen_and_kinds_are_checked():
    found = Diagnosis("zeros", "Your result is all zeros.")
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.kind = "scaled"
    with pytest.raises(ValueError):
        Diagnosis("ambiguous", "No idea.")


def test_invalid_arguments_are_rejected():
    with pytest.raises(ValueError):
        diagnose(np.ones(2), np.array([1.0, np.nan]))
    with pytest.raises(ValueError):
        diagnose(np.ones(2), np.ones(2), batch_size=0)


# ------------------------------------------------------------------ integer truncation


def test_integer_truncation():
    rng = np.random.default_rng(11)
    reference = rng.normal(scale=3, size=(3, 4))
    found = diagnose(np.trunc(reference), reference)
    assert found.kind == "integer_truncation" and "integer array" in found.message
    assert kind(np.floor(reference), reference) == "integer_truncation"


def test_integer_truncation_needs_a_nonzero_value_and_a_non_integer_reference():
    small = np.array([0.3, -0.4, 0.7])
    assert kind(np.trunc(small), small) == "zeros"  # all 0: as likely a stub, see .explain for the part-level rule
    whole = np.array([2.0, -3.0, 4.0])
    assert kind(np.array([2.0, -3.0, 5.0]), whole) != "integer_truncation"


# ------------------------------------------------------------------ update steps


def test_a_step_of_the_wrong_sign_is_gradient_ascent():
    rng = np.random.default_rng(12)
    theta, g = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    reference = theta - 0.1 * g
    assert diagnose(theta + 0.1 * g, reference) is None  # no exact relation between the new values themselves
    found = diagnose_step(theta + 0.1 * g, reference, theta)
    assert found.kind == "sign_flipped" and "gradient ascent" in found.message
    assert diagnose_step(theta.copy(), reference, theta).kind == "zeros"  # parameters returned unchanged


def test_a_step_averaged_over_the_batch_is_scaled():
    rng = np.random.default_rng(13)
    theta, g = rng.normal(size=5), rng.normal(size=5)
    found = diagnose_step(theta - 0.1 * g / 4, theta - 0.1 * g, theta, batch_size=4)
    assert found.kind == "scaled" and found.key == "scaled:1/N" and "step" in found.message


def test_a_right_step_or_another_shape_is_not_diagnosed():
    theta = np.array([1.0, 2.0])
    assert diagnose_step(theta - 0.5, theta - 0.5, theta) is None
    assert diagnose_step(np.ones(3), theta - 0.5, theta) is None


def test_keys_say_what_must_agree_across_cases():
    rng = np.random.default_rng(14)
    r = rng.normal(size=(3, 3))
    assert diagnose(2 * r, r).key == "scaled:2"
    assert diagnose(5 * r, r, batch_size=5).key == "scaled:N"
    assert diagnose(r / 5, r, batch_size=5).key == "scaled:1/N"
    assert diagnose(1.37 * r, r).key.startswith("scaled:c=")
    assert diagnose(-r, r).key == "sign_flipped"


def test_kinds_named_elsewhere_are_known():
    # Named by the automatic mutants (tests/test_mutants.py) and by the session's side-effect evidence
    # (tests/test_values.py): listed so that expected.yaml may declare them.
    for name in ("sigma_prime_of_activation", "sigma_prime_of_preactivation", "missing_path", "missing_factor",
                 "bias_missing", "update_order", "mutates_input", "keeps_state"):
        assert name in KINDS
        assert Diagnosis(name, "A sentence.").key == name


def test_every_kind_has_a_test():
    # Keeps this file in step with KINDS: each kind is named in an assertion above.
    with open(__file__, encoding="utf-8") as handle:
        source = handle.read()
    for name in KINDS:
        assert f'"{name}"' in source.split("def test_every_kind_has_a_test")[0]
