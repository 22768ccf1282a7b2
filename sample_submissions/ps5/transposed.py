"""Wrong: ∂y/∂W⁽⁰⁾ built as x δᵀ (d×h) and the Jacobian of f∘g transposed (ℓ×m)."""

import numpy as np


def sigmoid(s):
    return 1 / (1 + np.exp(-s))


def partials(w, x, y, z, c):
    a = (w + x + y) ** 2
    b = (x - y - z) ** 2
    k = 4 * c * (a - b)
    return (a - b) ** 2, k * (w + x + y), k * (w + 2 * y + z), k * (w + 2 * x - z), k * (x - y - z)


def forward(W0, b0, W1, b1, x):
    z = sigmoid(W0 @ x + b0)
    return z, (W1 @ z).item() + b1


def gradients(W0, b0, W1, b1, x):
    z, _ = forward(W0, b0, W1, b1, x)
    delta = W1[0] * z * (1 - z)
    return z[None, :], 1.0, W1[0], np.outer(x, delta), delta


def compose_jacobian(Jf, Jg):
    return Jg.T @ Jf.T
