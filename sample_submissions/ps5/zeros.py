"""Every function returns zeros of the right shape and every constant is 0: what a student who
guesses submits. It must earn (almost) nothing."""

import numpy as np


def partials(w, x, y, z, c):
    return 0.0, 0.0, 0.0, 0.0, 0.0


def forward(W0, b0, W1, b1, x):
    h = np.shape(W0)[0]
    return np.zeros((h,)), 0.0


def gradients(W0, b0, W1, b1, x):
    d = np.shape(W0)[1]
    h = np.shape(W0)[0]
    return np.zeros((1, h)), 0.0, np.zeros((h,)), np.zeros((h, d)), np.zeros((h,))


def compose_jacobian(Jf, Jg):
    l = np.shape(Jg)[1]
    m = np.shape(Jf)[0]
    return np.zeros((m, l))
