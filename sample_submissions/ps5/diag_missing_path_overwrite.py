"""Problem Set 5, wrong (one mistake): x and y reach v through both a and b, but the contributions of
the paths are assigned (=) instead of accumulated (+=), so only the path through b is kept in ∂v/∂x
and ∂v/∂y."""

import numpy as np


def sigmoid(s):
    return 1 / (1 + np.exp(-s))


def partials(w, x, y, z, c):
    a = (w + x + y) ** 2
    b = (x - y - z) ** 2
    dv_da = 2 * c * (a - b)
    dv_db = -2 * c * (a - b)
    grads = {"w": 0.0, "x": 0.0, "y": 0.0, "z": 0.0}
    paths = [
        (dv_da, {"w": 2 * (w + x + y), "x": 2 * (w + x + y), "y": 2 * (w + x + y)}),
        (dv_db, {"x": 2 * (x - y - z), "y": -2 * (x - y - z), "z": -2 * (x - y - z)}),
    ]
    for upstream, local in paths:
        for name, d in local.items():
            grads[name] = upstream * d            # should be +=
    dv_dc = (a - b) ** 2
    return dv_dc, grads["w"], grads["x"], grads["y"], grads["z"]


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
