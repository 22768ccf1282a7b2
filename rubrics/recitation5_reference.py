"""Reference implementation for rubrics/recitation5.yaml (10-301/601 Recitation 5, Neural Networks).

Conventions of the handout: the intercept is folded in as entry 0, x̂ = [1, x] and
ẑ = [1, z]; alpha has shape (h, d+1), beta shape (1, h+1); hidden ReLU, identity
output, loss ℓ = ½(ŷ − y)².
"""

import numpy as np


def forward(alpha, beta, x, y):
    x_hat = np.concatenate(([1.0], x))
    a = alpha @ x_hat
    z = np.maximum(a, 0.0)
    y_hat = (beta @ np.concatenate(([1.0], z))).item()
    loss = 0.5 * (y_hat - y) ** 2
    return a, z, y_hat, loss


def backward(alpha, beta, x, y):
    a, z, y_hat, _ = forward(alpha, beta, x, y)
    x_hat = np.concatenate(([1.0], x))
    z_hat = np.concatenate(([1.0], z))
    dl_dyhat = y_hat - y
    dbeta = dl_dyhat * z_hat[None, :]
    dl_da = dl_dyhat * beta[0, 1:] * (a > 0)
    dalpha = np.outer(dl_da, x_hat)
    return dbeta, dalpha


def chain_rule(dy_dx, dz_dy):
    """dz/dx in the handout's (denominator) layout: (p×r)(r×n) = p×n."""
    return dy_dx @ dz_dy


def d_Ax_dx(A, x):
    """(dAx/dx)_ij = d(Ax)_j / dx_i = A_ji: the transpose of A."""
    return A.T.copy()


def linear_regression(X, y):
    """θ = (XᵀX)⁻¹Xᵀy, solved without forming the inverse."""
    return np.linalg.solve(X.T @ X, X.T @ y)


# -- known wrong answers, named in the rubric's `mistakes` --------------------


def backward_sign_flipped(alpha, beta, x, y):
    dbeta, dalpha = backward(alpha, beta, x, y)
    return -dbeta, -dalpha


def backward_bias_in_hidden(alpha, beta, x, y):
    """Backpropagates through β including β₀ and drops the last hidden unit instead."""
    a, z, y_hat, _ = forward(alpha, beta, x, y)
    x_hat = np.concatenate(([1.0], x))
    dbeta, _ = backward(alpha, beta, x, y)
    dl_da = (y_hat - y) * beta[0, :-1] * (a > 0)
    return dbeta, np.outer(dl_da, x_hat)


def linear_regression_xty(X, y):
    return X.T @ y

