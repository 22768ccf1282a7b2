"""Every function returns zeros of the right shape and every constant is 0: what a student who
guesses submits. It must earn (almost) nothing."""

import numpy as np


def forward(alpha, beta, x, y):
    h = np.shape(alpha)[0]
    return np.zeros((h,)), np.zeros((h,)), 0.0, 0.0


def backward(alpha, beta, x, y):
    d = np.shape(alpha)[1] - 1
    h = np.shape(alpha)[0]
    return np.zeros((1, h + 1)), np.zeros((h, d + 1))


def chain_rule(dy_dx, dz_dy):
    n = np.shape(dz_dy)[1]
    p = np.shape(dy_dx)[0]
    return np.zeros((p, n))


def d_Ax_dx(A, x):
    m = np.shape(A)[0]
    n = np.shape(A)[1]
    return np.zeros((n, m))


def linear_regression(X, y):
    k = np.shape(X)[1]
    return np.zeros((k,))
