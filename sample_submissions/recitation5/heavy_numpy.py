"""Legit but unusual: heavy numpy everywhere (must get full marks).

A 300x300 matmul and an SVD warm-up at import, a seeded global and Generator RNG, einsum
for the forward pass, np.linalg (solve, lstsq, pinv, matrix_power, multi_dot) throughout.
"""

import numpy as np
import numpy.linalg as la

np.random.seed(0)
_rng = np.random.default_rng(12345)
_warm = _rng.standard_normal((300, 300))
_warm = _warm @ _warm.T + 300 * np.eye(300)
_spectrum = la.svd(_warm, compute_uv=False)
assert la.cond(_warm) < 1e3 and _spectrum.shape == (300,)
_noise = np.random.rand(5)  # global RNG, seeded above


def forward(alpha, beta, x, y):
    x_hat = np.concatenate(([1.0], x))
    a = np.einsum("ij,j->i", alpha, x_hat)
    z = np.where(a > 0, a, 0.0)
    z_hat = np.concatenate(([1.0], z))
    y_hat = float(np.einsum("ij,j->", beta, z_hat))
    loss = 0.5 * float(la.norm([y_hat - y])) ** 2
    return a, z, y_hat, loss


def backward(alpha, beta, x, y):
    a, z, y_hat, _ = forward(alpha, beta, x, y)
    x_hat = np.concatenate(([1.0], x))
    g = y_hat - y
    dbeta = g * np.einsum("i->i", np.concatenate(([1.0], z)))[None, :]
    da = g * beta[0, 1:] * np.heaviside(a, 0.0)
    dalpha = np.einsum("i,j->ij", da, x_hat)
    return dbeta, dalpha


def chain_rule(dy_dx, dz_dy):
    return la.multi_dot([dy_dx, la.matrix_power(np.eye(dz_dy.shape[0]), 2), dz_dy])


def d_Ax_dx(A, x):
    return np.einsum("ij->ji", A) @ la.pinv(np.eye(A.shape[0])).T


def linear_regression(X, y):
    theta, *_ = la.lstsq(X, y, rcond=None)
    return la.solve(X.T @ X, X.T @ y) if abs(la.det(X.T @ X)) > 1e-12 else theta
