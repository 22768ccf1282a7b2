"""Softmax regression, wrong (one mistake): softmax as exp(z) / (1ᵀ exp(z)), the normaliser written as a
matrix product, with no max(z) subtracted: exp(1000) is inf, and the probabilities NaN."""

import numpy as np


def softmax(z):
    e = np.exp(z)
    return e / (np.ones_like(e) @ e)


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
