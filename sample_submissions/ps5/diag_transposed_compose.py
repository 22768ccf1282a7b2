"""Problem Set 5, wrong (one mistake): the Jacobian of f∘g computed as (∂g/∂x)ᵀ(∂f/∂y)ᵀ, which is the
transpose of (∂f/∂y)(∂g/∂x) (ℓ×m instead of m×ℓ)."""

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
    return z.reshape(1, -1), 1.0, W1.ravel(), np.outer(delta, x), delta


def compose_jacobian(Jf, Jg):
    return Jg.T @ Jf.T
