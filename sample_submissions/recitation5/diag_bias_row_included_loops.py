"""Recitation 5, wrong (one mistake): the hidden layer's gradient is propagated through all of β,
bias weight β₀ included, and masked with ẑ > 0: ∂ℓ/∂α gets an extra first row (h+1 rows)."""

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
    z_hat = np.append(1.0, z)
    dbeta = g * z_hat.reshape(1, -1)
    x_hat = np.append(1.0, x)
    dalpha = np.zeros((len(z_hat), len(x_hat)))
    for j in range(len(z_hat)):
        if z_hat[j] > 0:
            for i in range(len(x_hat)):
                dalpha[j, i] = g * beta[0, j] * x_hat[i]
    return dbeta, dalpha


def chain_rule(dy_dx, dz_dy):
    return dy_dx @ dz_dy


def d_Ax_dx(A, x):
    return A.T


def linear_regression(X, y):
    return np.linalg.inv(X.T @ X) @ X.T @ y
