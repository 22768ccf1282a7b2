"""Recitation 5, wrong (one mistake): ∂ℓ/∂ŷ taken as y − ŷ instead of ŷ − y, so every gradient has the
wrong sign. Written with loops."""

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
    g = y - y_hat
    h, d1 = alpha.shape
    x_hat = [1.0] + list(x)
    z_hat = [1.0] + list(z)
    dbeta = np.array([[g * z_hat[j] for j in range(h + 1)]])
    dalpha = np.zeros((h, d1))
    for j in range(h):
        if a[j] > 0:
            for i in range(d1):
                dalpha[j, i] = g * beta[0, j + 1] * x_hat[i]
    return dbeta, dalpha


def chain_rule(dy_dx, dz_dy):
    return dy_dx @ dz_dy


def d_Ax_dx(A, x):
    return A.T


def linear_regression(X, y):
    return np.linalg.inv(X.T @ X) @ X.T @ y
