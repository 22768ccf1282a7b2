"""Recitation 5, wrong (one mistake): the ReLU′ mask is built from the upstream gradient ∂ℓ/∂z
(dz > 0) instead of the pre-activation a (a > 0)."""

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
    g = y_hat - y
    dbeta = g * np.append(1.0, z).reshape(1, -1)
    dz = g * beta[0, 1:]
    da = dz * (dz > 0)
    dalpha = da.reshape(-1, 1) @ np.append(1.0, x).reshape(1, -1)
    return dbeta, dalpha


def chain_rule(dy_dx, dz_dy):
    return dy_dx @ dz_dy


def d_Ax_dx(A, x):
    return A.T


def linear_regression(X, y):
    return np.linalg.inv(X.T @ X) @ X.T @ y
