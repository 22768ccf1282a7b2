"""∂ℓ/∂α accumulated in a module-level total that is reset only when the shapes change: every
first call is right, a second call on the same inputs returns twice the gradient."""

import numpy as np


def forward(alpha, beta, x, y):
    x_hat = np.append(1.0, x)
    a = alpha @ x_hat
    z = np.maximum(0, a)
    z_hat = np.append(1.0, z)
    y_hat = (beta @ z_hat).item()
    loss = 0.5 * (y_hat - y) ** 2
    return a, z, y_hat, loss


_dalpha_total = None  # gradients accumulated across calls, as a training loop might


def backward(alpha, beta, x, y):
    global _dalpha_total
    a, z, y_hat, loss = forward(alpha, beta, x, y)
    g = y_hat - y                               # ∂ℓ/∂ŷ
    dbeta = g * np.append(1.0, z).reshape(1, -1)
    dz = g * beta[0, 1:]                        # β̂: no intercept weight
    da = dz * (a > 0)
    dalpha = np.outer(da, np.append(1.0, x))
    if _dalpha_total is None or _dalpha_total.shape != dalpha.shape:
        _dalpha_total = np.zeros_like(dalpha)  # reset when the shapes change
    _dalpha_total += dalpha
    return dbeta, _dalpha_total


def chain_rule(dy_dx, dz_dy):
    return dy_dx @ dz_dy


def d_Ax_dx(A, x):
    return A.T


def linear_regression(X, y):
    return np.linalg.inv(X.T @ X) @ X.T @ y
