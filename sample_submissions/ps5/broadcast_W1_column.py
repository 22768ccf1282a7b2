"""Problem Set 5, wrong: ∂y/∂b⁽⁰⁾ = W⁽¹⁾ ∘ z ∘ (1 − z) written with W⁽¹⁾ᵀ, a (h, 1) column, times the
1-D σ′ = z ∘ (1 − z) of shape (h,): numpy broadcasts the product to an h×h matrix (broadcast) whose
diagonal is the right answer. ∂y/∂W⁽⁰⁾ uses np.outer, which flattens its operands, and is right."""

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
    sigma_prime = z * (1 - z)
    dy_dW0 = np.outer(W1 * sigma_prime, x)
    dy_db0 = W1.T * sigma_prime                 # wrong: (h, 1) * (h,) broadcasts to (h, h)
    return z.reshape(1, -1), 1.0, W1.ravel(), dy_dW0, dy_db0


def compose_jacobian(Jf, Jg):
    return Jf @ Jg
