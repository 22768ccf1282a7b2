"""Forward/backward walkthrough, wrong (one mistake): the loss is left as the vector ½(y − z)² of
per-output errors instead of their sum ½‖y − z‖²."""

import numpy as np


def s(t):
    return 1 / (1 + np.exp(-t))


def forward(V, W, x, y):
    a = V @ x
    h = s(a)
    b = W @ h
    z = s(b)
    loss = 0.5 * (y - z) ** 2
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
    return V - alpha * grad_V, W - alpha * grad_W


def sgd_step(V, W, x, y, alpha):
    gV, gW = backward(V, W, x, y)
    return update(V, W, gV, gW, alpha)
