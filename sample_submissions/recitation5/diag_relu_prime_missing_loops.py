"""Recitation 5, wrong (one mistake): ∂ℓ/∂α backpropagates through the hidden ReLU without its
derivative: ∂ℓ/∂a = (ŷ − y) β̂ with no ReLU′(a) mask, so hidden units with a ≤ 0 still get a
gradient. Written with loops."""

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
    x_hat = [1.0] + list(x)
    g = y_hat - y
    dbeta = np.zeros((1, h + 1))
    dbeta[0, 0] = g
    for j in range(h):
        dbeta[0, j + 1] = g * z[j]
    dalpha = np.zeros((h, len(x_hat)))
    for j in range(h):
        da_j = g * beta[0, j + 1]              # ∂ℓ/∂z_j, taken as ∂ℓ/∂a_j
        for i in range(len(x_hat)):
            dalpha[j, i] = da_j * x_hat[i]
    return dbeta, dalpha


def chain_rule(dy_dx, dz_dy):
    return dy_dx @ dz_dy


def d_Ax_dx(A, x):
    return A.T


def linear_regression(X, y):
    return np.linalg.inv(X.T @ X) @ X.T @ y
