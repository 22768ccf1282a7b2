"""Broken: backward() never returns; everything else is right and must still be graded."""

import numpy as np


def forward(alpha, beta, x, y):
    x_hat = np.append(1.0, x)
    a = alpha @ x_hat
    z = np.maximum(0, a)
    y_hat = (beta @ np.append(1.0, z)).item()
    return a, z, y_hat, 0.5 * (y_hat - y) ** 2


def backward(alpha, beta, x, y):
    step = 0
    while True:
        step += 1


def chain_rule(dy_dx, dz_dy):
    return dy_dx @ dz_dy


def d_Ax_dx(A, x):
    return A.T


def linear_regression(X, y):
    return np.linalg.solve(X.T @ X, X.T @ y)
