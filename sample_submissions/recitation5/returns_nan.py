"""Broken: the loss is computed through a square root of a negative number (NaN), and
linear_regression divides by zero (inf)."""

import numpy as np


def forward(alpha, beta, x, y):
    x_hat = np.append(1.0, x)
    a = alpha @ x_hat
    z = np.maximum(0, a)
    y_hat = (beta @ np.append(1.0, z)).item()
    loss = 0.5 * np.sqrt(-1.0 - (y_hat - y) ** 2) ** 2
    return a, z, y_hat, loss


def backward(alpha, beta, x, y):
    a, z, y_hat, _ = forward(alpha, beta, x, y)
    g = y_hat - y
    dbeta = g * np.append(1.0, z)[None, :]
    return dbeta, np.outer(g * beta[0, 1:] * (a > 0), np.append(1.0, x))


def chain_rule(dy_dx, dz_dy):
    return dy_dx @ dz_dy


def d_Ax_dx(A, x):
    return A.T


def linear_regression(X, y):
    return np.linalg.solve(X.T @ X, X.T @ y) / 0.0
