"""Wrong: ∂v/∂b taken as +2c(a − b), and ∂y/∂W⁽¹⁾ returned as a flat vector."""

import numpy as np


def sigmoid(s):
    return 1 / (1 + np.exp(-s))


def partials(w, x, y, z, c):
    a = (w + x + y) ** 2
    b = (x - y - z) ** 2
    dv_da = 2 * c * (a - b)
    dv_db = 2 * c * (a - b)          # sign error: should be −2c(a − b)
    da = 2 * (w + x + y)
    db = 2 * (x - y - z)
    return (a - b) ** 2, dv_da * da, dv_da * da + dv_db * db, dv_da * da - dv_db * db, -dv_db * db


def forward(W0, b0, W1, b1, x):
    z = sigmoid(W0 @ x + b0)
    return z, (W1 @ z).item() + b1


def gradients(W0, b0, W1, b1, x):
    z, _ = forward(W0, b0, W1, b1, x)
    delta = W1[0] * z * (1 - z)
    return z, 1.0, W1[0], np.outer(delta, x), delta


def compose_jacobian(Jf, Jg):
    return Jf @ Jg
