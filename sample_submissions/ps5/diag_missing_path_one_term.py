"""Problem Set 5, wrong (one mistake): ∂v/∂x and ∂v/∂y keep only the path through a; the multivariate
chain rule's second term (through b) is left out."""

import numpy as np


def sigmoid(s):
    return 1 / (1 + np.exp(-s))


def partials(w, x, y, z, c):
    a = (w + x + y) ** 2
    b = (x - y - z) ** 2
    dv_da = 2 * c * (a - b)
    dv_db = -2 * c * (a - b)
    dv_dc = (a - b) ** 2
    dv_dw = dv_da * 2 * (w + x + y)
    dv_dx = dv_da * 2 * (w + x + y)
    dv_dy = dv_da * 2 * (w + x + y)
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
