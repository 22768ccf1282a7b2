"""Reference implementation for rubrics/ps5.yaml (Problem Set 5: chain rule, 1-hidden-layer gradients)."""

import numpy as np


def sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


# -- Q1: v(a, b, c) = c(a − b)², a = (w + x + y)², b = (x − y − z)² -----------


def partials(w, x, y, z, c):
    a = (w + x + y) ** 2
    b = (x - y - z) ** 2
    dv_da = 2 * c * (a - b)
    dv_db = -2 * c * (a - b)
    da = 2 * (w + x + y)          # ∂a/∂w = ∂a/∂x = ∂a/∂y
    db = 2 * (x - y - z)          # ∂b/∂x = −∂b/∂y = −∂b/∂z
    dv_dc = (a - b) ** 2
    dv_dw = dv_da * da
    dv_dx = dv_da * da + dv_db * db
    dv_dy = dv_da * da - dv_db * db
    dv_dz = -dv_db * db
    return dv_dc, dv_dw, dv_dx, dv_dy, dv_dz


# -- Q2: z = σ(W⁰x + b⁰), y = W¹z + b¹ -----------------------------------------


def forward(W0, b0, W1, b1, x):
    z = sigmoid(W0 @ x + b0)
    y = (W1 @ z).item() + b1
    return z, y


def gradients(W0, b0, W1, b1, x):
    z, _ = forward(W0, b0, W1, b1, x)
    dy_dW1 = z[None, :]                        # shape of W¹: 1×h
    dy_db1 = 1.0
    dy_dz = W1[0].copy()                       # shape of z: h
    delta = W1[0] * z * (1 - z)                # W¹ ∘ z ∘ (1 − z)
    dy_dW0 = np.outer(delta, x)                # h×d
    dy_db0 = delta                             # h
    return dy_dW1, dy_db1, dy_dz, dy_dW0, dy_db0


# -- Q3: Jacobian of f∘g --------------------------------------------------------


def compose_jacobian(Jf, Jg):
    """∂(f∘g)/∂x = (∂f/∂y)(∂g/∂x): (m×n)(n×ℓ) = m×ℓ."""
    return Jf @ Jg


# -- known wrong answers -----------------------------------------------------------


def gradients_missing_sigma_prime(W0, b0, W1, b1, x):
    dy_dW1, dy_db1, dy_dz, _, _ = gradients(W0, b0, W1, b1, x)
    return dy_dW1, dy_db1, dy_dz, np.outer(W1[0], x), W1[0].copy()


def gradients_sigma_prime_of_activation(W0, b0, W1, b1, x):
    """σ′ evaluated at the activation z instead of the pre-activation: σ(z)(1 − σ(z))."""
    dy_dW1, dy_db1, dy_dz, _, _ = gradients(W0, b0, W1, b1, x)
    z, _ = forward(W0, b0, W1, b1, x)
    s = sigmoid(z)
    delta = W1[0] * s * (1 - s)
    return dy_dW1, dy_db1, dy_dz, np.outer(delta, x), delta


def partials_sign_of_db(w, x, y, z, c):
    """∂v/∂b taken as +2c(a − b): the minus sign of (a − b) dropped."""
    a = (w + x + y) ** 2
    b = (x - y - z) ** 2
    dv_da = 2 * c * (a - b)
    da, db = 2 * (w + x + y), 2 * (x - y - z)
    return (a - b) ** 2, dv_da * da, dv_da * da + dv_da * db, dv_da * da - dv_da * db, -dv_da * db
