"""Problem Set 5, wrong (one mistake): in ∂y/∂W⁽⁰⁾ and ∂y/∂b⁽⁰⁾ the sigmoid derivative is written as
s(1 − s) with s = W⁽⁰⁾x + b⁽⁰⁾, the pre-activation, instead of z(1 − z) with z = σ(s).
Written with explicit loops over hidden units and inputs."""

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
    h, d = W0.shape
    z, _ = forward(W0, b0, W1, b1, x)
    dy_dW0 = np.zeros((h, d))
    dy_db0 = np.zeros(h)
    for i in range(h):
        s = 0.0
        for j in range(d):
            s += W0[i, j] * x[j]
        s += b0[i]
        local = W1[0, i] * s * (1 - s)        # σ′ ... at s
        dy_db0[i] = local
        for j in range(d):
            dy_dW0[i, j] = local * x[j]
    return z.reshape(1, -1), 1.0, W1[0].copy(), dy_dW0, dy_db0


def compose_jacobian(Jf, Jg):
    return Jf @ Jg
