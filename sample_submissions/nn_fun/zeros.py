"""Every function returns zeros of the right shape and every constant is 0: what a student who
guesses submits. It must earn (almost) nothing."""

import numpy as np


def product_partials(x):
    return 0.0, 0.0, 0.0, 0.0


def chain_rule(dy_du, dy_dv, du_dx, dv_dx):
    return 0.0


def product_derivative(x):
    return 0.0


def product_rule(u, v, du_dx, dv_dx):
    return 0.0


def quotient_rule(u, v, du_dx, dv_dx):
    return 0.0


def quotient_derivative(x):
    return 0.0


def forward(W1, W2, x, y):
    h = np.shape(W1)[0]
    return np.zeros((h,)), np.zeros((h,)), 0.0, 0.0, 0.0


def classify(y_hat):
    return 0.0


def dJ_dyhat(y, y_hat):
    return 0.0


def dyhat_db(b):
    return 0.0


def db_dW2(z):
    h = np.shape(z)[0]
    return np.zeros((1, h + 1))


def grad_W2(dJ_db, z):
    h = np.shape(z)[0]
    return np.zeros((1, h + 1))


def db_dz(W2):
    h = np.shape(W2)[1] - 1
    return np.zeros((h,))


def dz_da(a):
    h = np.shape(a)[0]
    return np.zeros((h,))


def da_dW1(x):
    d = np.shape(x)[0]
    return np.zeros((d + 1,))


def grad_W1(dJ_dz, a, x):
    d = np.shape(x)[0]
    h = np.shape(dJ_dz)[0]
    return np.zeros((h, d + 1))


def backward(W1, W2, x, y):
    d = np.shape(W1)[1] - 1
    h = np.shape(W1)[0]
    return np.zeros((h, d + 1)), np.zeros((1, h + 1))


def update(W1, W2, dW1, dW2, eta):
    d = np.shape(W1)[1] - 1
    h = np.shape(W1)[0]
    return np.zeros((h, d + 1)), np.zeros((1, h + 1))


NUM_WEIGHT_MATRICES = 0

W1_SHAPE = np.zeros((2,))

W2_SHAPE = np.zeros((2,))

PARAMS_FIRST_LINEAR = 0

PARAMS_FIRST_ACTIVATION = 0

PARAMS_TOTAL = 0
