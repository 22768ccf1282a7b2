"""Every function returns zeros of the right shape and every constant is 0: what a student who
guesses submits. It must earn (almost) nothing."""

import numpy as np


def regression_forward(W1, b1, W2, b2, x):
    K = np.shape(W2)[0]
    m = np.shape(W1)[0]
    return np.zeros((m,)), np.zeros((m,)), np.zeros((K,)), np.zeros((K,))


def mse_loss(y_hat, y):
    return 0.0


def regression_objective(W1, b1, W2, b2, x, y):
    return 0.0


def regression_dz2_dz1(z1):
    m = np.shape(z1)[0]
    return np.zeros((m, m))


def regression_dyhat_dz3(z3):
    K = np.shape(z3)[0]
    return np.zeros((K, K))


def regression_dl_dyhat(y_hat, y):
    K = np.shape(y_hat)[0]
    return np.zeros((K,))


def grad_b2(dl_dyhat, dyhat_dz3):
    K = np.shape(dl_dyhat)[0]
    return np.zeros((K,))


def grad_W2(dl_dyhat, dyhat_dz3, z2):
    K = np.shape(dl_dyhat)[0]
    m = np.shape(z2)[0]
    return np.zeros((K, m))


def grad_b1(dl_dyhat, dyhat_dz3, W2, dz2_dz1):
    m = np.shape(W2)[1]
    return np.zeros((m,))


def grad_W1(dl_dyhat, dyhat_dz3, W2, dz2_dz1, x):
    m = np.shape(W2)[1]
    n = np.shape(x)[0]
    return np.zeros((m, n))


def regression_backward(W1, b1, W2, b2, x, y):
    K = np.shape(W2)[0]
    m = np.shape(W1)[0]
    n = np.shape(W1)[1]
    return np.zeros((m, n)), np.zeros((m,)), np.zeros((K, m)), np.zeros((K,))


def classification_forward(W1, b1, W2, b2, x):
    K = np.shape(W2)[0]
    m = np.shape(W1)[0]
    return np.zeros((m,)), np.zeros((m,)), np.zeros((K,)), np.zeros((K,))


def bce_loss(y_hat, y):
    return 0.0


def classification_objective(W1, b1, W2, b2, x, y):
    return 0.0


def classification_dz2_dz1(z1):
    m = np.shape(z1)[0]
    return np.zeros((m, m))


def classification_dyhat_dz3(z3):
    K = np.shape(z3)[0]
    return np.zeros((K, K))


def classification_dl_dyhat(y_hat, y):
    K = np.shape(y_hat)[0]
    return np.zeros((K,))


def classification_backward(W1, b1, W2, b2, x, y):
    K = np.shape(W2)[0]
    m = np.shape(W1)[0]
    n = np.shape(W1)[1]
    return np.zeros((m, n)), np.zeros((m,)), np.zeros((K, m)), np.zeros((K,))


def classification_mse_dl_dyhat(y_hat, y):
    K = np.shape(y_hat)[0]
    return np.zeros((K,))


def classification_mse_backward(W1, b1, W2, b2, x, y):
    K = np.shape(W2)[0]
    m = np.shape(W1)[0]
    n = np.shape(W1)[1]
    return np.zeros((m, n)), np.zeros((m,)), np.zeros((K, m)), np.zeros((K,))


def batch_loss(W1, b1, W2, b2, X, Y):
    return 0.0


def train_step(W1, b1, W2, b2, X, Y, lr):
    K = np.shape(W2)[0]
    m = np.shape(W1)[0]
    n = np.shape(W1)[1]
    return np.zeros((m, n)), np.zeros((m,)), np.zeros((K, m)), np.zeros((K,))
