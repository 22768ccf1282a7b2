"""Recitation 5, wrong (one mistake): ẑ built as [z, 1] in the backward pass, so ∂ℓ/∂β has the intercept's
entry last instead of first. Written with loops."""

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
    z_hat = list(z) + [1.0]
    dbeta = np.zeros((1, len(z_hat)))
    for j, value in enumerate(z_hat):
        dbeta[0, j] = g * value
    da = g * beta[0, 1:] * (a > 0)
    dalpha = np.outer(da, np.append(1.0, x))
    return dbeta, dalpha


def chain_rule(dy_dx, dz_dy):
    return dy_dx @ dz_dy


def d_Ax_dx(A, x):
    return A.T


def linear_regression(X, y):
    return np.linalg.inv(X.T @ X) @ X.T @ y
