"""Problem Set 5, wrong (one mistake): d(a − b)²/da taken as 2(b − a) and d(a − b)²/db as 2(a − b): every
partial derivative through a and b has the wrong sign."""

import numpy as np


def sigmoid(s):
    return 1 / (1 + np.exp(-s))


def partials(w, x, y, z, c):
    a = (w + x + y) ** 2
    b = (x - y - z) ** 2
    dv_da = 2 * c * (b - a)
    dv_db = 2 * c * (a - b)
    dv_dc = (a - b) ** 2
    dv_dw = dv_da * 2 * (w + x + y)
    dv_dx = dv_da * 2 * (w + x + y) + dv_db * 2 * (x - y - z)
    dv_dy = dv_da * 2 * (w + x + y) + dv_db * -2 * (x - y - z)
    dv_dz = dv_db * -2 * (x - y - z)
    return dv_dc, dv_dw, dv_dx, dv_dy, dv_dz


def forward(W0, b0, W1, b1, x):
    z = sigmoid(W0 @ x + b0)
    y = (W1 @ z).item() + b1
    return z, y


def gradients(W0, b0, W1, b1, x):
    z, _ = forward(W0, b0, W1, b1, x)
    delta = W1.ravel() * z * (1 - z)
    return z.reshape(1, -1), 1.0, W1.ravel(), np.outer(delta, x), delta


def compose_jacobian(Jf, Jg):
    return Jf @ Jg
