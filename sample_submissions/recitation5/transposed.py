"""Wrong: builds ∂ℓ/∂α as x̂ δᵀ (transposed) and uses numerator layout for d(Ax)/dx."""

import numpy as np


def forward(alpha, beta, x, y):
    x_hat = np.append(1.0, x)
    a = alpha @ x_hat
    z = np.maximum(0, a)
    y_hat = (beta @ np.append(1.0, z)).item()
    return a, z, y_hat, 0.5 * (y_hat - y) ** 2


def backward(alpha, beta, x, y):
    a, z, y_hat, _ = forward(alpha, beta, x, y)
    g = y_hat - y
    dbeta = g * np.append(1.0, z)[None, :]
    da = g * beta[0, 1:] * (a > 0)
    return dbeta, np.outer(np.append(1.0, x), da)


def chain_rule(dy_dx, dz_dy):
    return dy_dx @ dz_dy


def d_Ax_dx(A, x):
    return A


def linear_regression(X, y):
    return np.linalg.solve(X.T @ X, X.T @ y)
