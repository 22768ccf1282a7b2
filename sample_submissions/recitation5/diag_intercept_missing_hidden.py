"""Recitation 5, wrong (one mistake): the output layer leaves out the hidden intercept z₀ = 1:
ŷ = β̂ z (β₀ never added). Written with explicit sums."""

import numpy as np


def forward(alpha, beta, x, y):
    x_hat = [1.0] + list(x)
    a = np.array([sum(alpha[j, i] * x_hat[i] for i in range(len(x_hat))) for j in range(alpha.shape[0])])
    z = np.maximum(0, a)
    y_hat = float(sum(beta[0, j + 1] * z[j] for j in range(len(z))))
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
