"""Forward/backward walkthrough, wrong (one mistake): the updated weights go into integer arrays, so
V − α∇Vℓ and W − α∇Wℓ are truncated towards zero."""

import numpy as np


def s(t):
    return 1 / (1 + np.exp(-t))


def forward(V, W, x, y):
    a = V @ x
    h = s(a)
    b = W @ h
    z = s(b)
    loss = 0.5 * np.sum((y - z) ** 2)
    return a, h, b, z, loss


def grad_z(z, y):
    return z - y


def grad_W(grad_z, z, h):
    omega = np.diag(z * (1 - z))
    return (omega @ grad_z).reshape(-1, 1) @ h.reshape(1, -1)


def grad_h(grad_z, z, W):
    omega = np.diag(z * (1 - z))
    return W.T @ omega @ grad_z


def grad_V(grad_h, h, x):
    lam = np.diag(h * (1 - h))
    return np.outer(lam @ grad_h, x)


def backward(V, W, x, y):
    a, h, b, z, loss = forward(V, W, x, y)
    gz = grad_z(z, y)
    gW = grad_W(gz, z, h)
    gh = grad_h(gz, z, W)
    gV = grad_V(gh, h, x)
    return gV, gW


def update(V, W, grad_V, grad_W, alpha):
    V_new = np.empty(V.shape, dtype=np.int64)
    W_new = np.empty(W.shape, dtype=np.int64)
    for i in range(V.shape[0]):
        for j in range(V.shape[1]):
            V_new[i, j] = V[i, j] - alpha * grad_V[i, j]
    for i in range(W.shape[0]):
        for j in range(W.shape[1]):
            W_new[i, j] = W[i, j] - alpha * grad_W[i, j]
    return V_new, W_new


def sgd_step(V, W, x, y, alpha):
    gV, gW = backward(V, W, x, y)
    return update(V, W, gV, gW, alpha)
