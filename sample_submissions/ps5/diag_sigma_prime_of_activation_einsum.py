"""Problem Set 5, wrong (one mistake): σ′ evaluated at the activation, σ(z)(1 − σ(z)) with z = σ(s),
instead of z(1 − z). Vectorised with einsum."""

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
    sz = sigmoid(z)
    delta = np.einsum("i,i->i", W1[0], sz * (1 - sz))
    return z[np.newaxis, :], 1.0, W1[0].copy(), np.einsum("i,j->ij", delta, x), delta


def compose_jacobian(Jf, Jg):
    return Jf @ Jg
