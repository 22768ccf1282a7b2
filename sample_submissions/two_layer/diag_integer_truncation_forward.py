"""HW1 two-layer nets, wrong (one mistake): z₁ is accumulated in an integer array, so every entry of
W⁽¹⁾x + b⁽¹⁾ is truncated towards zero (and everything after it inherits the error)."""

import numpy as np


def sigmoid(t):
    return 1 / (1 + np.exp(-t))


# ---------------- 1.2 regression ----------------

def regression_forward(W1, b1, W2, b2, x):
    z1 = np.zeros(len(b1), dtype=int)
    for i in range(len(b1)):
        z1[i] = W1[i] @ x + b1[i]
    z2 = 5 * np.maximum(z1, 0)
    z3 = W2 @ z2 + b2
    y_hat = z3
    return z1, z2, z3, y_hat


def mse_loss(y_hat, y):
    return float(np.sum((y_hat - y) ** 2))


def regression_objective(W1, b1, W2, b2, x, y):
    y_hat = regression_forward(W1, b1, W2, b2, x)[3]
    return mse_loss(y_hat, y)


def regression_dz2_dz1(z1):
    return np.diag(5.0 * (z1 > 0))


def regression_dyhat_dz3(z3):
    return np.eye(len(z3))


def regression_dl_dyhat(y_hat, y):
    return 2 * (y_hat - y)


# ---------------- chain rule (c) ----------------

def grad_b2(dl_dyhat, dyhat_dz3):
    return dl_dyhat @ dyhat_dz3


def grad_W2(dl_dyhat, dyhat_dz3, z2):
    dz3 = dl_dyhat @ dyhat_dz3
    return np.outer(dz3, z2)


def grad_b1(dl_dyhat, dyhat_dz3, W2, dz2_dz1):
    return dl_dyhat @ dyhat_dz3 @ W2 @ dz2_dz1


def grad_W1(dl_dyhat, dyhat_dz3, W2, dz2_dz1, x):
    return np.outer(grad_b1(dl_dyhat, dyhat_dz3, W2, dz2_dz1), x)


def regression_backward(W1, b1, W2, b2, x, y):
    z1, z2, z3, y_hat = regression_forward(W1, b1, W2, b2, x)
    V = regression_dl_dyhat(y_hat, y)
    J = regression_dyhat_dz3(z3)
    M = regression_dz2_dz1(z1)
    return grad_W1(V, J, W2, M, x), grad_b1(V, J, W2, M), grad_W2(V, J, z2), grad_b2(V, J)


# ---------------- 1.3 classification ----------------

def classification_forward(W1, b1, W2, b2, x):
    z1 = W1 @ x + b1
    z2 = np.tanh(z1)
    z3 = W2 @ z2 + b2
    return z1, z2, z3, sigmoid(z3)


def bce_loss(y_hat, y):
    return float(-np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))


def classification_objective(W1, b1, W2, b2, x, y):
    return bce_loss(classification_forward(W1, b1, W2, b2, x)[3], y)


def classification_dz2_dz1(z1):
    z2 = np.tanh(z1)
    return np.diag(1 - z2 ** 2)


def classification_dyhat_dz3(z3):
    y_hat = sigmoid(z3)
    return np.diag(y_hat * (1 - y_hat))


def classification_dl_dyhat(y_hat, y):
    K = len(y)
    return ((1 - y) / (1 - y_hat) - y / y_hat) / K


def classification_backward(W1, b1, W2, b2, x, y):
    z1, z2, z3, y_hat = classification_forward(W1, b1, W2, b2, x)
    V = classification_dl_dyhat(y_hat, y)
    P = classification_dyhat_dz3(z3)
    M = classification_dz2_dz1(z1)
    return grad_W1(V, P, W2, M, x), grad_b1(V, P, W2, M), grad_W2(V, P, z2), grad_b2(V, P)


# ---------------- 1.3(d)iii with the MSE loss ||y_hat - y||^2 ----------------

def classification_mse_dl_dyhat(y_hat, y):
    return regression_dl_dyhat(y_hat, y)  # the same V = 2(y_hat - y)^T as 1.2(d)iii


def classification_mse_backward(W1, b1, W2, b2, x, y):
    z1, z2, z3, y_hat = classification_forward(W1, b1, W2, b2, x)
    V = classification_mse_dl_dyhat(y_hat, y)
    P = classification_dyhat_dz3(z3)
    M = classification_dz2_dz1(z1)
    return grad_W1(V, P, W2, M, x), grad_b1(V, P, W2, M), grad_W2(V, P, z2), grad_b2(V, P)


# ---------------- 1.4(e) one training step ----------------

def batch_loss(W1, b1, W2, b2, X, Y):
    return sum(regression_objective(W1, b1, W2, b2, x, y) for x, y in zip(X, Y))


def train_step(W1, b1, W2, b2, X, Y, lr):
    gW1, gb1 = np.zeros_like(W1), np.zeros_like(b1)
    gW2, gb2 = np.zeros_like(W2), np.zeros_like(b2)
    for x, y in zip(X, Y):
        dW1, db1, dW2, db2 = regression_backward(W1, b1, W2, b2, x, y)
        gW1 += dW1
        gb1 += db1
        gW2 += dW2
        gb2 += db2
    return W1 - lr * gW1, b1 - lr * gb1, W2 - lr * gW2, b2 - lr * gb2
