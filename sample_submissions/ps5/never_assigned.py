"""Problem Set 5, wrong: ∂y/∂W⁽⁰⁾ is filled entry by entry, but the loop body compares (==) instead of
assigning (=), so the np.zeros_like start value is returned unchanged (zeros). Everything else is
right; in Q2.2 (all weights 0) the true ∂y/∂W⁽⁰⁾ is 0 anyway, so only 2.1(d) sees it."""

import numpy as np


def sigmoid(s):
    return 1 / (1 + np.exp(-s))


def partials(w, x, y, z, c):
    a = (w + x + y) ** 2
    b = (x - y - z) ** 2
    dv_dc = (a - b) ** 2
    dv_dw = 4 * c * (a - b) * (w + x + y)
    dv_dx = 4 * c * (a - b) * (w + 2 * y + z)
    dv_dy = 4 * c * (a - b) * (w + 2 * x - z)
    dv_dz = 4 * c * (a - b) * (x - y - z)
    return dv_dc, dv_dw, dv_dx, dv_dy, dv_dz


def forward(W0, b0, W1, b1, x):
    z = sigmoid(W0 @ x + b0)
    y = (W1 @ z).item() + b1
    return z, y


def gradients(W0, b0, W1, b1, x):
    z, _ = forward(W0, b0, W1, b1, x)
    delta = W1.ravel() * z * (1 - z)
    dy_dW0 = np.zeros_like(W0)
    for i in range(W0.shape[0]):
        for j in range(W0.shape[1]):
            dy_dW0[i, j] == delta[i] * x[j]     # wrong: == compares, = assigns
    return z.reshape(1, -1), 1.0, W1.ravel(), dy_dW0, delta


def compose_jacobian(Jf, Jg):
    return Jf @ Jg
