"""Correct, in another style: log-sum-exp for the loss, np.eye for the one-hot, einsum for the outer
product. Full marks."""

import numpy as np


def softmax(z):
    m = z.max()
    return np.exp(z - m) / np.exp(z - m).sum()


def one_hot(y, K):
    return np.eye(K)[y]


def cross_entropy(p, y):
    return float(-np.log(p)[y])


def _log_sum_exp(z):
    m = np.max(z)
    return m + np.log(np.sum(np.exp(z - m)))


def forward(W, b, x, y):
    z = np.einsum("kd,d->k", W, x) + b
    log_p = z - _log_sum_exp(z)
    return z, np.exp(log_p), float(-log_p[y])


def backward(W, b, x, y):
    z, p, _ = forward(W, b, x, y)
    delta = p - np.eye(len(z))[y]
    return np.einsum("k,d->kd", delta, x), delta
