"""Recitation 5, wrong: the hidden layer's gradient is backpropagated through all of β, intercept β₀
included, as ∂ℓ/∂ẑ = (ŷ − y) β with the ReLU′ mask taken on ẑ = [1, z]. ∂ℓ/∂α then has an extra first
row for the constant unit z₀ = 1 (shape (h+1)×(d+1); bias_row_included); its other rows are right.
The forward pass and ∂ℓ/∂β are right."""

import numpy as np


def forward(alpha, beta, x, y):
    x_hat = np.append(1.0, x)
    a = alpha @ x_hat
    z = np.maximum(0, a)
    z_hat = np.append(1.0, z)
    y_hat = (beta @ z_hat).item()
    loss = 0.5 * (y_hat - y) ** 2
    return a, z, y_hat, loss


def backward(alpha, beta, x, y):
    a, z, y_hat, loss = forward(alpha, beta, x, y)
    g = y_hat - y                               # ∂ℓ/∂ŷ
    z_hat = np.append(1.0, z)
    dbeta = g * z_hat.reshape(1, -1)
    dz_hat = g * beta[0]                        # wrong: keeps β₀ (should be β̂ = beta[0, 1:])
    da = dz_hat * (z_hat > 0)                   # ReLU′ read off ẑ: z > 0 exactly where a > 0
    dalpha = np.outer(da, np.append(1.0, x))
    return dbeta, dalpha


def chain_rule(dy_dx, dz_dy):
    return dy_dx @ dz_dy


def d_Ax_dx(A, x):
    return A.T


def linear_regression(X, y):
    return np.linalg.inv(X.T @ X) @ X.T @ y
