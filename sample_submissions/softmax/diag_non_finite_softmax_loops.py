"""Softmax regression, wrong (one mistake): softmax computed from exp(zᵢ) without subtracting max(z),
written with loops: large logits overflow exp() to inf, and inf / inf is NaN."""

import numpy as np


def softmax(z):
    e = [float(np.exp(v)) for v in z]
    total = 0.0
    for v in e:
        total += v
    return np.array([v / total for v in e])


def one_hot(y, K):
    assert isinstance(y, (int, np.integer)) and isinstance(K, (int, np.integer))
    e = np.zeros(K)
    e[y] = 1.0
    return e


def cross_entropy(p, y):
    assert isinstance(y, (int, np.integer))
    return -np.log(p[y])


def forward(W, b, x, y):
    assert isinstance(y, (int, np.integer))
    z = W @ x + b
    p = softmax(z)
    loss = cross_entropy(p, y)
    return z, p, loss


def backward(W, b, x, y):
    assert isinstance(y, (int, np.integer))
    z, p, loss = forward(W, b, x, y)
    dz = p - one_hot(y, len(p))        # ∂L/∂z
    dW = np.outer(dz, x)               # (p − e_y) xᵀ, K×d
    db = dz
    return dW, db
