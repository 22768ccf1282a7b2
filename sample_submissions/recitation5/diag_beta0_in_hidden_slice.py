"""Recitation 5, wrong (one mistake): the hidden layer's gradient uses β's first h entries,
β₀ … β_{h−1}, instead of β̂ = β₁ … β_h (the bias weight β₀ kept in hidden backprop)."""

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
    h = len(a)
    g = y_hat - y
    dbeta = g * np.append(1.0, z).reshape(1, -1)
    da = np.einsum("j,j->j", g * beta[0, :h], (a > 0).astype(float))
    dalpha = np.outer(da, np.append(1.0, x))
    return dbeta, dalpha


def chain_rule(dy_dx, dz_dy):
    return dy_dx @ dz_dy


def d_Ax_dx(A, x):
    return A.T


def linear_regression(X, y):
    return np.linalg.inv(X.T @ X) @ X.T @ y
