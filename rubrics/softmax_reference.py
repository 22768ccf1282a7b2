"""Reference implementation for rubrics/softmax.yaml (Softmax regression: cross-entropy gradients).

Conventions of the handout: one example x (d,), an integer class label y in {0, …, K−1},
logits z = W x + b with W of shape (K, d), p = softmax(z), L = −log p_y, and
∂L/∂W = (p − e_y) xᵀ (K×d, the shape of W), ∂L/∂b = p − e_y, where e_y = one_hot(y, K).
"""

import numpy as np


def softmax(z):
    """Numerically stable: softmax(z) = softmax(z − max z), so exp() never overflows."""
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def one_hot(y, K):
    e = np.zeros(K)
    e[y] = 1.0
    return e


def cross_entropy(p, y):
    return float(-np.log(p[y]))


def forward(W, b, x, y):
    z = W @ x + b
    p = softmax(z)
    return z, p, cross_entropy(p, y)


def backward(W, b, x, y):
    _, p, _ = forward(W, b, x, y)
    g = p - one_hot(y, p.shape[0])  # ∂L/∂z
    return np.outer(g, x), g


# -- known wrong answers, named in the rubric's `mistakes` --------------------


def softmax_unstable(z):
    """exp(z) / Σ exp(z) without subtracting max z: exp(1000) is inf, and inf / inf is NaN."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z)
        return e / np.sum(e)


def forward_unstable(W, b, x, y):
    z = W @ x + b
    p = softmax_unstable(z)
    with np.errstate(invalid="ignore"):
        return z, p, float(-np.log(p[y]))


def cross_entropy_label_as_onehot(p, y):
    """−Σ y log p, as if y were the one-hot vector e_y: every log-probability times the label."""
    return float(-np.sum(y * np.log(p)))


def forward_label_as_onehot(W, b, x, y):
    z = W @ x + b
    p = softmax(z)
    return z, p, cross_entropy_label_as_onehot(p, y)


def backward_no_onehot(W, b, x, y):
    """∂L/∂z taken as p: the −e_y of ∂(−log p_y)/∂z is missing."""
    _, p, _ = forward(W, b, x, y)
    return np.outer(p, x), p


def backward_sign_flipped(W, b, x, y):
    dW, db = backward(W, b, x, y)
    return -dW, -db


def backward_transposed(W, b, x, y):
    """x (p − e_y)ᵀ: d×K, the transpose of ∂L/∂W."""
    dW, db = backward(W, b, x, y)
    return dW.T.copy(), db
