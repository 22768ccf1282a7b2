"""Recitation 5, wrong (one mistake): the forward pass leaves out the input intercept x₀ = 1: a = α x
with α's first column dropped, instead of a = α x̂ with x̂ = [1, x]. The backward pass reuses the
forward pass."""

import numpy as np


def forward(alpha, beta, x, y):
    a = alpha[:, 1:] @ x
    z = np.maximum(0, a)
    y_hat = (beta @ np.append(1.0, z)).item()
    loss = 0.5 * (y_hat - y) ** 2
    return a, z, y_hat, loss


def backward(alpha, beta, x, y):
    a, z, y_hat, loss = forward(alpha, beta, x, y)
    g = y_hat - y                               # ∂ℓ/∂ŷ
    dbeta = g * np.append(1.0, z).reshape(1, -1)
    dz = g * beta[0, 1:]                        # β̂: no intercept weight
    da = dz * (a > 0)
    dalpha = np.outer(da, np.append(1.0, x))
    return dbeta, dalpha


def chain_rule(dy_dx, dz_dy):
    return dy_dx @ dz_dy


def d_Ax_dx(A, x):
    return A.T


def linear_regression(X, y):
    return np.linalg.inv(X.T @ X) @ X.T @ y
